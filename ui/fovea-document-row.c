/* fovea-document-row.c: a row of the sidebar listing opened documents.
 *
 * Shows the thumbnail, the patient ID (edited in a popover), the file name,
 * the eye and modality as drop-downs bound both ways to the document, and
 * the review status as icon, colour and text together, so that no state
 * is told by colour alone. */
#define G_LOG_DOMAIN "fovea-document-row"

#include "config.h"

#include "fovea-document-row.h"
#include "fovea-visible-text.h"

#include <glib/gi18n.h>

struct _FoveaDocumentRow
{
  GtkListBoxRow  parent_instance;

  FoveaDocument *document;

  GtkStack      *thumbnail_stack;
  GtkImage      *thumbnail_image;
  GtkLabel      *patient_label;
  GtkMenuButton *patient_button;
  GtkEntry      *patient_entry;
  GtkLabel      *file_label;
  GtkDropDown   *eye_dropdown;
  GtkDropDown   *modality_dropdown;
  GtkWidget     *status_box;
  GtkImage      *status_icon;
  GtkLabel      *status_label;
};

G_DEFINE_FINAL_TYPE (FoveaDocumentRow, fovea_document_row, GTK_TYPE_LIST_BOX_ROW)

typedef struct {
  const char *icon_name;
  const char *style_class;
  const char *text;
} StatusLook;

/* Indexed by FoveaDocumentStatus. */
static const StatusLook status_looks[] = {
  { "radio-symbolic", "dim-label", N_("Not analysed") },
  { "emblem-ok-symbolic", "success", N_("Gradable") },
  { "dialog-warning-symbolic", "warning", N_("Ungradable") },
  { "emblem-important-symbolic", "error", N_("Referable") },
  { "dialog-error-symbolic", "error", N_("Failed") },
};

static const StatusLook loading_look = {
  "content-loading-symbolic", "dim-label", N_("Loading…")
};

static void
update_patient (FoveaDocumentRow *self)
{
  const char *patient_id = fovea_document_get_patient_id (self->document);
  gboolean known = patient_id[0] != '\0';
  g_autofree char *visible = fovea_visible_text (patient_id, FOVEA_VISIBLE_TEXT_ESCAPE_ALL);

  gtk_label_set_text (self->patient_label, known ? visible : _("No patient ID"));
  if (known)
    gtk_widget_remove_css_class (GTK_WIDGET (self->patient_label), "dim-label");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->patient_label), "dim-label");
}

static void
update_thumbnail (FoveaDocumentRow *self)
{
  const char *page;

  switch (fovea_document_get_state (self->document))
    {
    case FOVEA_DOCUMENT_LOADING:
      page = "loading";
      break;

    case FOVEA_DOCUMENT_FAILED:
      page = "failed";
      break;

    case FOVEA_DOCUMENT_READY:
    default:
      page = "thumbnail";
      break;
    }

  gtk_image_set_from_paintable (self->thumbnail_image,
                                GDK_PAINTABLE (fovea_document_get_thumbnail (self->document)));
  gtk_stack_set_visible_child_name (self->thumbnail_stack, page);
}

/* The badge, and the row's tooltip: why it failed, or the image's size. */
static void
update_status (FoveaDocumentRow *self)
{
  FoveaDocumentStatus status = fovea_document_get_status (self->document);
  gboolean loading = fovea_document_get_state (self->document) == FOVEA_DOCUMENT_LOADING;
  const StatusLook *look = loading ? &loading_look : &status_looks[status];
  const char *classes[] = { "caption-heading", look->style_class, NULL };
  g_autofree char *tooltip = NULL;

  gtk_image_set_from_icon_name (self->status_icon, look->icon_name);
  gtk_label_set_text (self->status_label, _(look->text));
  gtk_widget_set_css_classes (self->status_box, classes);

  if (status == FOVEA_DOCUMENT_STATUS_FAILED)
    {
      const char *error = fovea_document_get_error_message (self->document);
      tooltip = g_strdup (error != NULL ? error : _("The analysis failed"));
    }
  else
    tooltip = fovea_document_dup_summary (self->document);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);
}

/* The eye means nothing for skin. */
static void
update_eye_visible (FoveaDocumentRow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->eye_dropdown),
                          fovea_document_get_modality (self->document) != FOVEA_MODALITY_SKIN);
}

static void
document_state_changed_cb (FoveaDocumentRow *self)
{
  update_thumbnail (self);
  update_status (self);
}

static void
patient_entry_activate_cb (FoveaDocumentRow *self)
{
  gtk_menu_button_popdown (self->patient_button);
}

static void
fovea_document_row_dispose (GObject *object)
{
  FoveaDocumentRow *self = FOVEA_DOCUMENT_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_DOCUMENT_ROW);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (fovea_document_row_parent_class)->dispose (object);
}

static void
fovea_document_row_class_init (FoveaDocumentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_document_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-document-row.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, thumbnail_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, thumbnail_image);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, patient_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, patient_button);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, patient_entry);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, file_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, eye_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, modality_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, status_box);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, status_label);
  gtk_widget_class_bind_template_callback (widget_class, patient_entry_activate_cb);
}

static void
fovea_document_row_init (FoveaDocumentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Edits go straight to the document, and its changes come straight back:
 * the drop-downs' positions are the enums' values. */
static void
bind_document (FoveaDocumentRow *self)
{
  GBindingFlags both_ways = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_object_bind_property (self->document, "patient-id", self->patient_entry, "text", both_ways);
  g_object_bind_property (self->document, "eye", self->eye_dropdown, "selected", both_ways);
  g_object_bind_property (self->document, "modality", self->modality_dropdown, "selected",
                          both_ways);

  g_signal_connect_object (self->document, "notify::patient-id",
                           G_CALLBACK (update_patient), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::modality",
                           G_CALLBACK (update_eye_visible), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::state",
                           G_CALLBACK (document_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::status",
                           G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
}

GtkWidget *
fovea_document_row_new (FoveaDocument *document)
{
  FoveaDocumentRow *self;

  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document), NULL);

  self = g_object_new (FOVEA_TYPE_DOCUMENT_ROW, NULL);
  self->document = g_object_ref (document);
  {
    g_autofree char *visible = fovea_visible_text (fovea_document_get_display_name (document),
                                                   FOVEA_VISIBLE_TEXT_ESCAPE_ALL);

    gtk_label_set_text (self->file_label, visible);
  }
  bind_document (self);
  update_patient (self);
  update_eye_visible (self);
  document_state_changed_cb (self);

  return GTK_WIDGET (self);
}

FoveaDocument *
fovea_document_row_get_document (FoveaDocumentRow *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT_ROW (self), NULL);

  return self->document;
}
