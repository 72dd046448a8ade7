/* test-document.c: the document model and its sidebar row, under Xvfb.
 * Patient ID and eye guessed from many file names; loading the samples
 * (modality, full texture, thumbnail, all announced on the main thread);
 * a file that fails; the row's drop-downs and patient entry bound both
 * ways; the status badge's icon, colour class and text; and a screenshot
 * of a list of rows, one per status, written as document-rows.png into
 * the build folder. */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "fovea-document.h"
#include "fovea-document-row.h"
#include "fovea-display-test.h"

/* A document for a file that need not exist: the guesses need only its name. */
static FoveaDocument *
document_for_name (const char *name)
{
  g_autofree char *path = g_build_filename ("/nonexistent", name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return fovea_document_new (file);
}

/* Guessing from file names */

static void
test_guess_from_name (void)
{
  static const struct {
    const char *name;
    const char *patient_id;
    FoveaEye    eye;
  } cases[] = {
    { "P0042_OD.jpg", "P0042", FOVEA_EYE_OD },
    { "P0042_OS.png", "P0042", FOVEA_EYE_OS },
    { "P0042-od.tif", "P0042", FOVEA_EYE_OD },
    { "P0042 OS.jpeg", "P0042", FOVEA_EYE_OS },
    { "P0042_od_.jpg", "P0042", FOVEA_EYE_OD },
    { "image.OD.png", "image", FOVEA_EYE_OD },
    /* DRIVE: no eye in the name. */
    { "21_training.tif", "21_training", FOVEA_EYE_UNKNOWN },
    { "01_test.tif", "01_test", FOVEA_EYE_UNKNOWN },
    /* EyePACS / Kaggle DR. */
    { "10_left.jpeg", "10", FOVEA_EYE_OS },
    { "10_right.jpeg", "10", FOVEA_EYE_OD },
    { "13_Left.JPEG", "13", FOVEA_EYE_OS },
    /* An eye token not at the end stays in the patient ID. */
    { "smith_left_2024.jpg", "smith_left_2024", FOVEA_EYE_OS },
    { "P7_R_2.png", "P7_R_2", FOVEA_EYE_OD },
    { "12_Right_eye.png", "12_Right_eye", FOVEA_EYE_OD },
    { "patient_r.png", "patient", FOVEA_EYE_OD },
    { "p7 L.tif", "p7", FOVEA_EYE_OS },
    /* Inside a word an eye token does not count. */
    { "ODIN.png", "ODIN", FOVEA_EYE_UNKNOWN },
    { "OSAKA_12.png", "OSAKA_12", FOVEA_EYE_UNKNOWN },
    { "P0042OD.jpg", "P0042OD", FOVEA_EYE_UNKNOWN },
    { "Lisa_Roberts.jpg", "Lisa_Roberts", FOVEA_EYE_UNKNOWN },
    { "LR.png", "LR", FOVEA_EYE_UNKNOWN },
    { "leftover_scan.png", "leftover_scan", FOVEA_EYE_UNKNOWN },
    /* Disagreeing tokens: no guess, and nothing is removed. */
    { "left_OD.jpg", "left_OD", FOVEA_EYE_UNKNOWN },
    { "P1_R_L.png", "P1_R_L", FOVEA_EYE_UNKNOWN },
    /* Repeated agreeing tokens. */
    { "P1_right_OD.png", "P1_right", FOVEA_EYE_OD },
    /* Other names. */
    { "Müller_OS.jpg", "Müller", FOVEA_EYE_OS },
    { "20051020_43808_0100_PP.tif", "20051020_43808_0100_PP", FOVEA_EYE_UNKNOWN },
    { "IDRiD_01.jpg", "IDRiD_01", FOVEA_EYE_UNKNOWN },
    { "OD.png", "", FOVEA_EYE_OD },
    { "no_extension_OS", "no_extension", FOVEA_EYE_OS },
    { "fundus-healthy.png", "fundus-healthy", FOVEA_EYE_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FoveaDocument) document = document_for_name (cases[i].name);

      g_test_message ("%s", cases[i].name);
      g_assert_cmpstr (fovea_document_get_patient_id (document), ==, cases[i].patient_id);
      g_assert_cmpint (fovea_document_get_eye (document), ==, cases[i].eye);
      g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_UNKNOWN);
      g_assert_cmpint (fovea_document_get_status (document), ==,
                       FOVEA_DOCUMENT_STATUS_NOT_ANALYSED);
    }

  g_assert_cmpstr (fovea_eye_to_string (FOVEA_EYE_OD), ==, "OD");
  g_assert_cmpstr (fovea_eye_to_string (FOVEA_EYE_OS), ==, "OS");
  g_assert_cmpstr (fovea_eye_to_string (FOVEA_EYE_UNKNOWN), ==, "");
}

/* Properties: notified only on change, settable by name. */
static void
count_notify_cb (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void
test_edit_properties (void)
{
  g_autoptr(FoveaDocument) document = document_for_name ("P0042_OD.jpg");
  guint count = 0;

  g_signal_connect (document, "notify", G_CALLBACK (count_notify_cb), &count);
  fovea_document_set_eye (document, FOVEA_EYE_OD);
  fovea_document_set_patient_id (document, "P0042");
  g_assert_cmpuint (count, ==, 0);

  g_object_set (document, "patient-id", "P0043", "eye", FOVEA_EYE_OS,
                "modality", FOVEA_MODALITY_OCTA,
                "status", FOVEA_DOCUMENT_STATUS_REFERABLE, NULL);
  g_assert_cmpuint (count, ==, 4);
  g_assert_cmpstr (fovea_document_get_patient_id (document), ==, "P0043");
  g_assert_cmpint (fovea_document_get_eye (document), ==, FOVEA_EYE_OS);
  g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_OCTA);
  g_assert_cmpint (fovea_document_get_status (document), ==, FOVEA_DOCUMENT_STATUS_REFERABLE);

  fovea_document_set_patient_id (document, NULL);
  g_assert_cmpstr (fovea_document_get_patient_id (document), ==, "");
  g_assert_null (fovea_document_get_thumbnail (document));
  g_assert_null (fovea_document_get_texture (document));
}

/* Loading */

typedef struct {
  GThread   *main_thread;
  GPtrArray *order;  /* property names, as notified */
} NotifyLog;

static void
log_notify_cb (GObject *object, GParamSpec *pspec, NotifyLog *log)
{
  g_assert_true (g_thread_self () == log->main_thread);
  g_ptr_array_add (log->order, (gpointer) g_param_spec_get_name (pspec));
}

static guint
index_of (GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (strcmp (names->pdata[i], name) == 0)
      return i;
  g_error ("“%s” was never notified", name);
}

static void
assert_loaded (const char *name, FoveaModality modality)
{
  g_autofree char *path = fovea_test_sample_path (name);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FoveaDocument) document = fovea_document_new (file);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  NotifyLog log = { g_thread_self (), order };

  g_signal_connect (document, "notify", G_CALLBACK (log_notify_cb), &log);
  fovea_document_load (document, NULL);
  g_assert_null (fovea_document_get_texture (document));
  fovea_display_test_wait_for_document (document);

  g_test_message ("%s: %s", name, fovea_document_get_error_message (document));
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  g_assert_cmpint (fovea_document_get_modality (document), ==, modality);
  g_assert_cmpint (fovea_document_get_status (document), ==, FOVEA_DOCUMENT_STATUS_NOT_ANALYSED);

  const FoveaImage *image = fovea_document_get_image (document);
  GdkTexture *texture = fovea_document_get_texture (document);
  GdkTexture *thumbnail = fovea_document_get_thumbnail (document);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, image->width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, image->height);

  /* Longer side 96 (the samples are larger), aspect kept to the pixel. */
  g_assert_nonnull (thumbnail);
  int width = gdk_texture_get_width (thumbnail);
  int height = gdk_texture_get_height (thumbnail);
  g_test_message ("%s: %d × %d, thumbnail %d × %d", name, image->width, image->height,
                  width, height);
  g_assert_cmpint (MAX (width, height), ==, 96);
  g_assert_cmpfloat (fabs (width - (double) image->width * height / image->height), <=, 1.0);

  /* Everything is in place before "state" announces it. */
  guint state_index = index_of (order, "state");
  g_assert_cmpuint (index_of (order, "thumbnail"), <, state_index);
  g_assert_cmpuint (index_of (order, "texture"), <, state_index);
  if (modality != FOVEA_MODALITY_UNKNOWN)
    g_assert_cmpuint (index_of (order, "modality"), <, state_index);
}

static void
test_load_samples (void)
{
  assert_loaded ("fundus-healthy.png", FOVEA_MODALITY_FUNDUS);
  assert_loaded ("skin-naevus.png", FOVEA_MODALITY_SKIN);
  assert_loaded ("octa-3mm.png", FOVEA_MODALITY_OCTA);
}

/* A modality the user picked while loading is not overwritten by the guess. */
static void
test_load_keeps_chosen_modality (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FoveaDocument) document = fovea_document_new (file);

  fovea_document_load (document, NULL);
  fovea_document_set_modality (document, FOVEA_MODALITY_OCTA);
  fovea_display_test_wait_for_document (document);
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_OCTA);
}

/* Writes a file that is not an image; returns its path in dir. */
static char *
write_garbage (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, "this is not a PNG", -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static void
test_load_failed (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = write_garbage (dir, "P0007_OS.png");
  g_autoptr(FoveaDocument) document = fovea_display_test_load_file (path);

  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_FAILED);
  g_assert_cmpint (fovea_document_get_status (document), ==, FOVEA_DOCUMENT_STATUS_FAILED);
  g_assert_nonnull (strstr (fovea_document_get_error_message (document), "P0007_OS.png"));
  g_assert_null (fovea_document_get_texture (document));
  g_assert_null (fovea_document_get_thumbnail (document));
  g_assert_cmpstr (fovea_document_get_patient_id (document), ==, "P0007");
  fovea_test_rmdir (dir);
}

/* The row */

typedef struct {
  GtkWidget *window;
  GtkWidget *list;
} ListWindow;

static ListWindow
present_list (int width, int height)
{
  ListWindow shown = { gtk_window_new (), gtk_list_box_new () };
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_widget_add_css_class (shown.list, "navigation-sidebar");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (shown.list), GTK_SELECTION_BROWSE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), shown.list);
  gtk_window_set_default_size (GTK_WINDOW (shown.window), width, height);
  gtk_window_set_child (GTK_WINDOW (shown.window), scrolled);
  gtk_window_present (GTK_WINDOW (shown.window));
  return shown;
}

static void
destroy_list (ListWindow *shown)
{
  fovea_display_test_destroy_window (GTK_WINDOW (shown->window));
}

/* The nth widget of type under root, in tree order (popovers included). */
static GtkWidget *
find_widget (GtkWidget *root, GType type, guint nth)
{
  g_autoptr(GPtrArray) found = fovea_display_test_list_widgets (root, type);

  g_assert_cmpuint (nth, <, found->len);
  return found->pdata[nth];
}

/* The label on show whose text is text, or NULL. */
static GtkWidget *
find_label (GtkWidget *root, const char *text)
{
  g_autoptr(GPtrArray) labels = fovea_display_test_list_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_is_visible (labels->pdata[i]) &&
        g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];
  return NULL;
}

static gboolean
popover_hidden (gpointer data)
{
  return !gtk_widget_get_visible (data);
}

static void
test_row_edits (void)
{
  g_autoptr(FoveaDocument) document = document_for_name ("P0042_OD.png");
  ListWindow shown = present_list (320, 200);
  GtkWidget *row = fovea_document_row_new (document);

  gtk_list_box_append (GTK_LIST_BOX (shown.list), row);
  GtkDropDown *eye = GTK_DROP_DOWN (find_widget (row, GTK_TYPE_DROP_DOWN, 0));
  GtkDropDown *modality = GTK_DROP_DOWN (find_widget (row, GTK_TYPE_DROP_DOWN, 1));
  GtkEditable *patient = GTK_EDITABLE (find_widget (row, GTK_TYPE_ENTRY, 0));

  /* The guesses show. */
  g_assert_cmpuint (gtk_drop_down_get_selected (eye), ==, FOVEA_EYE_OD);
  g_assert_cmpuint (gtk_drop_down_get_selected (modality), ==, FOVEA_MODALITY_UNKNOWN);
  g_assert_cmpstr (gtk_editable_get_text (patient), ==, "P0042");
  g_assert_nonnull (find_label (row, "P0042"));
  g_assert_nonnull (find_label (row, "P0042_OD.png"));

  /* Row to document. */
  gtk_drop_down_set_selected (eye, FOVEA_EYE_OS);
  g_assert_cmpint (fovea_document_get_eye (document), ==, FOVEA_EYE_OS);
  gtk_drop_down_set_selected (modality, FOVEA_MODALITY_OCTA);
  g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_OCTA);
  gtk_editable_set_text (patient, "P0099");
  g_assert_cmpstr (fovea_document_get_patient_id (document), ==, "P0099");
  g_assert_nonnull (find_label (row, "P0099"));

  /* Document to row. */
  fovea_document_set_eye (document, FOVEA_EYE_UNKNOWN);
  g_assert_cmpuint (gtk_drop_down_get_selected (eye), ==, 0);
  fovea_document_set_modality (document, FOVEA_MODALITY_FUNDUS);
  g_assert_cmpuint (gtk_drop_down_get_selected (modality), ==, FOVEA_MODALITY_FUNDUS);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (eye)));
  fovea_document_set_patient_id (document, "P0100");
  g_assert_cmpstr (gtk_editable_get_text (patient), ==, "P0100");
  g_assert_nonnull (find_label (row, "P0100"));

  /* Skin has no eye; an empty ID says so rather than leave a blank. */
  fovea_document_set_modality (document, FOVEA_MODALITY_SKIN);
  g_assert_cmpuint (gtk_drop_down_get_selected (modality), ==, FOVEA_MODALITY_SKIN);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (eye)));
  fovea_document_set_patient_id (document, "");
  g_assert_nonnull (find_label (row, "No patient ID"));

  /* The pencil opens the entry; Enter closes it. */
  GtkMenuButton *button = GTK_MENU_BUTTON (find_widget (row, GTK_TYPE_MENU_BUTTON, 0));
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (button));
  gtk_menu_button_popup (button);
  gtk_editable_set_text (patient, "P0042");
  fovea_display_test_save_screenshot (popover, "document-row-patient.png");
  g_assert_true (gtk_widget_get_visible (popover));
  g_signal_emit_by_name (patient, "activate");
  fovea_display_test_wait_for (popover_hidden, popover, "the popover to close");
  g_assert_cmpstr (fovea_document_get_patient_id (document), ==, "P0042");

  g_assert_true (fovea_document_row_get_document (FOVEA_DOCUMENT_ROW (row)) == document);
  destroy_list (&shown);
}

/* The badge: its label, the icon beside it and the colour class of both. */
static void
assert_badge (GtkWidget  *row,
              const char *text,
              const char *icon_name,
              const char *style_class)
{
  GtkWidget *label = find_label (row, text);

  if (label == NULL)
    g_error ("the row has no badge “%s”", text);
  GtkWidget *badge = gtk_widget_get_parent (label);
  GtkWidget *icon = gtk_widget_get_prev_sibling (label);
  g_assert_true (GTK_IS_IMAGE (icon));
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, icon_name);
  g_assert_true (gtk_widget_has_css_class (badge, style_class));
}

static void
test_row_badges (void)
{
  g_autoptr(FoveaDocument) document = document_for_name ("P0042_OD.png");
  g_autoptr(FoveaDocument) ready = fovea_display_test_load_sample ("fundus-healthy.png");
  ListWindow shown = present_list (320, 300);
  GtkWidget *loading_row = fovea_document_row_new (document);
  GtkWidget *row = fovea_document_row_new (ready);

  gtk_list_box_append (GTK_LIST_BOX (shown.list), loading_row);
  gtk_list_box_append (GTK_LIST_BOX (shown.list), row);
  assert_badge (loading_row, "Loading…", "content-loading-symbolic", "dim-label");

  assert_badge (row, "Not analysed", "radio-symbolic", "dim-label");
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (row), "8-bit RGB"));
  fovea_document_set_status (ready, FOVEA_DOCUMENT_STATUS_GRADABLE);
  assert_badge (row, "Gradable", "emblem-ok-symbolic", "success");
  g_assert_null (find_label (row, "Not analysed"));
  fovea_document_set_status (ready, FOVEA_DOCUMENT_STATUS_UNGRADABLE);
  assert_badge (row, "Ungradable", "dialog-warning-symbolic", "warning");
  g_assert_false (gtk_widget_has_css_class (gtk_widget_get_parent (find_label (row, "Ungradable")),
                                            "success"));
  fovea_document_set_status (ready, FOVEA_DOCUMENT_STATUS_REFERABLE);
  assert_badge (row, "Referable", "emblem-important-symbolic", "error");
  fovea_document_set_status (ready, FOVEA_DOCUMENT_STATUS_FAILED);
  assert_badge (row, "Failed", "dialog-error-symbolic", "error");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, "The analysis failed");

  /* A file that cannot be read: the error itself in the tooltip. */
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = write_garbage (dir, "broken.png");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FoveaDocument) broken = fovea_document_new (file);
  GtkWidget *broken_row = fovea_document_row_new (broken);
  gtk_list_box_append (GTK_LIST_BOX (shown.list), broken_row);
  fovea_document_load (broken, NULL);
  fovea_display_test_wait_for_document (broken);
  assert_badge (broken_row, "Failed", "dialog-error-symbolic", "error");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (broken_row), ==,
                   fovea_document_get_error_message (broken));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (broken_row), "broken.png"));

  destroy_list (&shown);
  fovea_test_rmdir (dir);
}

static double
luma (guint32 pixel)
{
  return 0.299 * ((pixel >> 16) & 0xff) + 0.587 * ((pixel >> 8) & 0xff) + 0.114 * (pixel & 0xff);
}

/* Copies a sample under a clinical-looking name into dir. */
static FoveaDocument *
load_copy (const char *dir, const char *sample, const char *name)
{
  g_autofree char *source_path = fovea_test_sample_path (sample);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) source = g_file_new_for_path (source_path);
  g_autoptr(GFile) destination = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_file_copy (source, destination, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return fovea_display_test_load_file (path);
}

/* The image showing a paintable rather than an icon. */
static GtkWidget *
find_thumbnail (GtkWidget *row)
{
  g_autoptr(GPtrArray) images = fovea_display_test_list_widgets (row, GTK_TYPE_IMAGE);

  for (guint i = 0; i < images->len; i++)
    if (gtk_image_get_storage_type (images->pdata[i]) == GTK_IMAGE_PAINTABLE)
      return images->pdata[i];
  g_error ("the row shows no thumbnail");
}

static void
test_row_screenshot (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *garbage = write_garbage (dir, "P0107_OD.png");
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/P0108_left.jpg");
  FoveaDocument *documents[] = {
    load_copy (dir, "fundus-healthy.png", "P0042_OD.png"),
    load_copy (dir, "octa-3mm.png", "P0042_OS_octa.png"),
    load_copy (dir, "fundus-blurred.jpg", "P0051_left.jpg"),
    load_copy (dir, "fundus-lesions.jpg", "P0063_OD.jpg"),
    load_copy (dir, "skin-naevus.png", "S0012_back.png"),
    fovea_display_test_load_file (garbage),
    fovea_document_new (missing),  /* never loaded: stays "Loading…" */
  };
  static const FoveaDocumentStatus statuses[] = {
    FOVEA_DOCUMENT_STATUS_NOT_ANALYSED,
    FOVEA_DOCUMENT_STATUS_GRADABLE,
    FOVEA_DOCUMENT_STATUS_UNGRADABLE,
    FOVEA_DOCUMENT_STATUS_REFERABLE,
    FOVEA_DOCUMENT_STATUS_GRADABLE,
    FOVEA_DOCUMENT_STATUS_FAILED,
    FOVEA_DOCUMENT_STATUS_NOT_ANALYSED,
  };
  ListWindow shown = present_list (240, 820);

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      fovea_document_set_status (documents[i], statuses[i]);
      gtk_list_box_append (GTK_LIST_BOX (shown.list), fovea_document_row_new (documents[i]));
    }
  gtk_list_box_select_row (GTK_LIST_BOX (shown.list),
                           gtk_list_box_get_row_at_index (GTK_LIST_BOX (shown.list), 0));

  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (shown.window, "document-rows.png");
  int width = pixels.width;
  int height = pixels.height;

  /* Dark style: the bottom of the list, below the rows, is dark. */
  g_assert_cmpfloat (luma (fovea_display_test_get_pixel (&pixels, width / 2, height - 4)), <, 80);

  /* The second row's thumbnail shows the OCTA scan: bright vessels on dark. */
  GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (shown.list), 1));
  GtkWidget *picture = find_thumbnail (row);
  graphene_point_t origin;
  g_assert_true (gtk_widget_compute_point (picture, shown.window,
                                           &GRAPHENE_POINT_INIT (0, 0), &origin));
  double darkest = 255, brightest = 0;
  for (int y = 0; y < gtk_widget_get_height (picture); y++)
    for (int x = 0; x < gtk_widget_get_width (picture); x++)
      {
        double l = luma (fovea_display_test_get_pixel (&pixels, (int) origin.x + x,
                                                         (int) origin.y + y));
        darkest = MIN (darkest, l);
        brightest = MAX (brightest, l);
      }
  g_test_message ("OCTA thumbnail luma %.0f … %.0f", darkest, brightest);
  g_assert_cmpfloat (brightest - darkest, >, 100);

  /* Whatever the thumbnail's aspect, the patient IDs line up. */
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      GtkWidget *other = GTK_WIDGET (gtk_list_box_get_row_at_index (GTK_LIST_BOX (shown.list),
                                                                    (int) i));
      graphene_point_t first, here;
      g_assert_true (gtk_widget_compute_point (find_widget (row, GTK_TYPE_LABEL, 0), shown.window,
                                               &GRAPHENE_POINT_INIT (0, 0), &first));
      g_assert_true (gtk_widget_compute_point (find_widget (other, GTK_TYPE_LABEL, 0),
                                               shown.window, &GRAPHENE_POINT_INIT (0, 0), &here));
      g_assert_cmpfloat (here.x, ==, first.x);
    }

  destroy_list (&shown);
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    g_object_unref (documents[i]);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  fovea_display_test_init (&argc, &argv);

  g_test_add_func ("/document/guess-from-name", test_guess_from_name);
  g_test_add_func ("/document/edit-properties", test_edit_properties);
  g_test_add_func ("/document/load-samples", test_load_samples);
  g_test_add_func ("/document/load-keeps-chosen-modality", test_load_keeps_chosen_modality);
  g_test_add_func ("/document/load-failed", test_load_failed);
  g_test_add_func ("/document/row-edits", test_row_edits);
  g_test_add_func ("/document/row-badges", test_row_badges);
  g_test_add_func ("/document/row-screenshot", test_row_screenshot);

  return g_test_run ();
}
