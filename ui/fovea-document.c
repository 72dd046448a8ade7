/* fovea-document.c: one opened image file, its loading state and what the
 * clinician knows about it.
 *
 * The worker thread decodes the file, guesses the modality and makes both
 * textures, so the main thread never touches pixels. The object itself is
 * read and changed on the main thread alone, so widgets can bind to it. */
#define G_LOG_DOMAIN "fovea-document"

#include "config.h"

#include "fovea-document.h"

#include <glib/gi18n.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-modality-guess.h"
#include "fovea-image-identity.h"
#include "fovea-name-guess.h"
#include "fovea-resize.h"
#include "fovea-texture.h"
#include "fovea-ui-enums.h"

#define THUMBNAIL_SIZE 96
/* Longer side of the zoomed-out copy of large images (a 12 MP photo: 2048 × 1536). */
#define PREVIEW_SIZE 2048

struct _FoveaDocument
{
  GObject              parent_instance;

  GFile               *file;
  char                *display_name;
  FoveaDocumentState   state;
  FoveaImage          *image;
  char                *error_message;

  char                *patient_id;
  FoveaEye             eye;
  FoveaModality        modality;
  /* Set once the user picked a modality: the load's guess must not undo it. */
  gboolean             modality_chosen;
  FoveaDocumentStatus  status;
  FoveaGradeRecord    *record;     /* the last analysis, for the patient's summary */
  GdkTexture          *thumbnail;
  GdkTexture          *preview;    /* NULL for images no larger than PREVIEW_SIZE */
  GdkTexture          *texture;
};

G_DEFINE_FINAL_TYPE (FoveaDocument, fovea_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_STATE,
  PROP_PATIENT_ID,
  PROP_EYE,
  PROP_MODALITY,
  PROP_STATUS,
  PROP_THUMBNAIL,
  PROP_TEXTURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What the worker thread hands back. */
typedef struct {
  FoveaImage    *image;
  FoveaModality  modality;
  GdkTexture    *texture;
  GdkTexture    *thumbnail;
  GdkTexture    *preview;
} LoadResult;

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->image, fovea_image_free);
  g_clear_object (&result->texture);
  g_clear_object (&result->thumbnail);
  g_clear_object (&result->preview);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadResult, load_result_free)

/* Patient and eye: a DICOM file's tags (a few KB read before the pixel
 * data), else guessed from the name. */

static void
read_identity (FoveaDocument *self)
{
  g_autofree char *path = g_file_get_path (self->file);
  if (path == NULL)
    {
      self->eye = fovea_name_guess (self->display_name, &self->patient_id);
      return;
    }
  FoveaImageIdentity identity;
  fovea_image_identity_read (path, &identity);
  self->eye = identity.eye;
  self->patient_id = g_steal_pointer (&identity.patient_id);
}

/* Loading */

static const char *
describe_channels (int channels)
{
  switch (channels)
    {
    case 1:
      return _("greyscale");
    case 2:
      return _("greyscale with alpha");
    case 3:
      return _("RGB");
    default:
      return _("RGBA");
    }
}

/* A bilinear (antialiased) copy whose longer side is at most max_side. */
static GdkTexture *
make_scaled_texture (const FoveaImage  *image,
                     int                max_side,
                     GError           **error)
{
  int longer = MAX (image->width, image->height);
  double scale = longer > max_side ? (double) max_side / longer : 1.0;
  int width = MAX (1, (int) (image->width * scale + 0.5));
  int height = MAX (1, (int) (image->height * scale + 0.5));
  g_autoptr(FoveaImage) small = fovea_resize (image, width, height,
                                              FOVEA_RESIZE_BILINEAR, error);

  if (small == NULL)
    return NULL;
  return fovea_texture_new_from_image (small, error);
}

static LoadResult *
load_file (const char    *path,
           GError       **error)
{
  g_autoptr(LoadResult) result = g_new0 (LoadResult, 1);
  FoveaDecodeOptions options;

  fovea_decode_options_init (&options);
  result->image = fovea_decode_file (path, &options, NULL, error);
  if (result->image == NULL)
    return NULL;

  FoveaImageIdentity identity;
  fovea_image_identity_read (path, &identity);
  result->modality = identity.modality != FOVEA_MODALITY_UNKNOWN
                     ? identity.modality : fovea_modality_guess (result->image);
  fovea_image_identity_clear (&identity);
  result->texture = fovea_texture_new_from_image (result->image, error);
  if (result->texture == NULL)
    return NULL;
  result->thumbnail = make_scaled_texture (result->image, THUMBNAIL_SIZE, error);
  if (result->thumbnail == NULL)
    return NULL;
  /* Zoomed out, the view draws this instead of sampling every pixel of a
   * large photograph: faster frames, and no aliasing of fine vessels. */
  if (MAX (result->image->width, result->image->height) > PREVIEW_SIZE)
    {
      result->preview = make_scaled_texture (result->image, PREVIEW_SIZE, error);
      if (result->preview == NULL)
        return NULL;
    }

  return g_steal_pointer (&result);
}

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  LoadResult *result = load_file (task_data, &error);

  /* If the task was cancelled meanwhile it has already returned: drop the
   * result rather than return twice. */
  if (!g_task_set_return_on_cancel (task, FALSE))
    {
      g_clear_pointer (&result, load_result_free);
      g_clear_error (&error);
      return;
    }

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

static void
notify (FoveaDocument *self,
        guint          prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
load_done_cb (GObject      *source_object,
              GAsyncResult *async_result,
              gpointer      user_data)
{
  FoveaDocument *self = FOVEA_DOCUMENT (source_object);
  g_autoptr(GError) error = NULL;
  g_autoptr(LoadResult) result = g_task_propagate_pointer (G_TASK (async_result), &error);

  if (result == NULL)
    {
      self->error_message = g_strdup (error->message);
      fovea_document_set_status (self, FOVEA_DOCUMENT_STATUS_FAILED);
      self->state = FOVEA_DOCUMENT_FAILED;
      notify (self, PROP_STATE);
      return;
    }

  self->image = g_steal_pointer (&result->image);
  if (!self->modality_chosen && self->modality != result->modality)
    {
      self->modality = result->modality;
      notify (self, PROP_MODALITY);
    }
  self->thumbnail = g_steal_pointer (&result->thumbnail);
  self->preview = g_steal_pointer (&result->preview);
  notify (self, PROP_THUMBNAIL);
  self->texture = g_steal_pointer (&result->texture);
  notify (self, PROP_TEXTURE);
  /* Last: listeners of "state" may read everything above. */
  self->state = FOVEA_DOCUMENT_READY;
  notify (self, PROP_STATE);
}

/* GObject */

static void
fovea_document_constructed (GObject *object)
{
  FoveaDocument *self = FOVEA_DOCUMENT (object);
  g_autofree char *basename = g_file_get_basename (self->file);

  G_OBJECT_CLASS (fovea_document_parent_class)->constructed (object);

  self->display_name = g_filename_display_name (basename);
  read_identity (self);
}

static void
fovea_document_finalize (GObject *object)
{
  FoveaDocument *self = FOVEA_DOCUMENT (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->image, fovea_image_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->patient_id, g_free);
  g_clear_pointer (&self->record, fovea_grade_record_free);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->preview);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (fovea_document_parent_class)->finalize (object);
}

static void
fovea_document_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  FoveaDocument *self = FOVEA_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_PATIENT_ID:
      g_value_set_string (value, self->patient_id);
      break;

    case PROP_EYE:
      g_value_set_enum (value, self->eye);
      break;

    case PROP_MODALITY:
      g_value_set_int (value, self->modality);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;

    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_document_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  FoveaDocument *self = FOVEA_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;

    case PROP_PATIENT_ID:
      fovea_document_set_patient_id (self, g_value_get_string (value));
      break;

    case PROP_EYE:
      fovea_document_set_eye (self, g_value_get_enum (value));
      break;

    case PROP_MODALITY:
      fovea_document_set_modality (self, g_value_get_int (value));
      break;

    case PROP_STATUS:
      fovea_document_set_status (self, g_value_get_enum (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_document_class_init (FoveaDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags editable = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags readable = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = fovea_document_constructed;
  object_class->finalize = fovea_document_finalize;
  object_class->get_property = fovea_document_get_property;
  object_class->set_property = fovea_document_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       FOVEA_TYPE_DOCUMENT_STATE, FOVEA_DOCUMENT_LOADING, readable);

  properties[PROP_PATIENT_ID] =
    g_param_spec_string ("patient-id", NULL, NULL, "", editable);

  properties[PROP_EYE] =
    g_param_spec_enum ("eye", NULL, NULL,
                       FOVEA_TYPE_EYE, FOVEA_EYE_UNKNOWN, editable);

  /* A FoveaModality: the inference layer's enums have no GType. */
  properties[PROP_MODALITY] =
    g_param_spec_int ("modality", NULL, NULL,
                      FOVEA_MODALITY_UNKNOWN, FOVEA_MODALITY_OCTA, FOVEA_MODALITY_UNKNOWN,
                      editable);

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       FOVEA_TYPE_DOCUMENT_STATUS, FOVEA_DOCUMENT_STATUS_NOT_ANALYSED,
                       editable);

  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE, readable);

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE, readable);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fovea_document_init (FoveaDocument *self)
{
  self->state = FOVEA_DOCUMENT_LOADING;
}

/* Public API */

FoveaDocument *
fovea_document_new (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (FOVEA_TYPE_DOCUMENT, "file", file, NULL);
}

GFile *
fovea_document_get_file (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->file;
}

const char *
fovea_document_get_display_name (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->display_name;
}

FoveaDocumentState
fovea_document_get_state (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), FOVEA_DOCUMENT_FAILED);

  return self->state;
}

const FoveaImage *
fovea_document_get_image (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->image;
}

const char *
fovea_document_get_error_message (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->error_message;
}

char *
fovea_document_dup_summary (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  switch (self->state)
    {
    case FOVEA_DOCUMENT_LOADING:
      return g_strdup (_("Loading…"));

    case FOVEA_DOCUMENT_FAILED:
      return g_strdup (_("Could not be opened"));

    case FOVEA_DOCUMENT_READY:
    default:
      /* Translators: width × height · bit depth and colour model,
       * e.g. "2000 × 1500 · 8-bit RGB". */
      return g_strdup_printf (_("%d × %d · %d-bit %s"),
                              self->image->width, self->image->height,
                              self->image->bit_depth,
                              describe_channels (self->image->channels));
    }
}

const char *
fovea_document_get_patient_id (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->patient_id;
}

void
fovea_document_set_patient_id (FoveaDocument *self,
                               const char    *patient_id)
{
  g_return_if_fail (FOVEA_IS_DOCUMENT (self));

  if (patient_id == NULL)
    patient_id = "";
  if (g_strcmp0 (self->patient_id, patient_id) == 0)
    return;
  g_free (self->patient_id);
  self->patient_id = g_strdup (patient_id);
  notify (self, PROP_PATIENT_ID);
}

FoveaEye
fovea_document_get_eye (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), FOVEA_EYE_UNKNOWN);

  return self->eye;
}

void
fovea_document_set_eye (FoveaDocument *self,
                        FoveaEye       eye)
{
  g_return_if_fail (FOVEA_IS_DOCUMENT (self));
  g_return_if_fail (eye <= FOVEA_EYE_OS);

  if (self->eye == eye)
    return;
  self->eye = eye;
  notify (self, PROP_EYE);
}

FoveaModality
fovea_document_get_modality (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), FOVEA_MODALITY_UNKNOWN);

  return self->modality;
}

void
fovea_document_set_modality (FoveaDocument *self,
                             FoveaModality  modality)
{
  g_return_if_fail (FOVEA_IS_DOCUMENT (self));
  g_return_if_fail (modality <= FOVEA_MODALITY_OCTA);

  self->modality_chosen = TRUE;
  if (self->modality == modality)
    return;
  self->modality = modality;
  notify (self, PROP_MODALITY);
}

FoveaDocumentStatus
fovea_document_get_status (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), FOVEA_DOCUMENT_STATUS_NOT_ANALYSED);

  return self->status;
}

void
fovea_document_set_status (FoveaDocument       *self,
                           FoveaDocumentStatus  status)
{
  g_return_if_fail (FOVEA_IS_DOCUMENT (self));
  g_return_if_fail (status <= FOVEA_DOCUMENT_STATUS_FAILED);

  if (self->status == status)
    return;
  self->status = status;
  notify (self, PROP_STATUS);
}

const FoveaGradeRecord *
fovea_document_get_record (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->record;
}

void
fovea_document_set_record (FoveaDocument          *self,
                           const FoveaGradeRecord *record)
{
  g_return_if_fail (FOVEA_IS_DOCUMENT (self));

  g_clear_pointer (&self->record, fovea_grade_record_free);
  if (record != NULL)
    self->record = fovea_grade_record_copy (record);
}

GdkTexture *
fovea_document_get_preview (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->preview;
}

GdkTexture *
fovea_document_get_thumbnail (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->thumbnail;
}

GdkTexture *
fovea_document_get_texture (FoveaDocument *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (self), NULL);

  return self->texture;
}

void
fovea_document_load (FoveaDocument *self,
                     GCancellable  *cancellable)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (FOVEA_IS_DOCUMENT (self));
  g_return_if_fail (self->state == FOVEA_DOCUMENT_LOADING);

  task = g_task_new (self, cancellable, load_done_cb, NULL);
  g_task_set_source_tag (task, fovea_document_load);

  path = g_file_get_path (self->file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (self->file);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Cannot open “%s”: only local files are supported"),
                               uri);
      return;
    }

  g_task_set_task_data (task, g_steal_pointer (&path), g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
}
