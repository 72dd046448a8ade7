/* fovea-document.c: one opened image file and its loading state.
 *
 * Only the decoder runs in the worker thread; the object itself is read and
 * changed on the main thread alone, so widgets can bind to it directly. */
#include "config.h"

#include "fovea-document.h"

#include <glib/gi18n.h>

#include "fovea-decode.h"
#include "fovea-ui-enums.h"

struct _FoveaDocument
{
  GObject             parent_instance;

  GFile              *file;
  char               *display_name;
  FoveaDocumentState  state;
  FoveaImage         *image;
  char               *error_message;
};

G_DEFINE_FINAL_TYPE (FoveaDocument, fovea_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (FoveaDocument      *self,
           FoveaDocumentState  state)
{
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

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

static void
decode_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  const char *path = task_data;
  FoveaDecodeOptions options;
  GError *error = NULL;

  fovea_decode_options_init (&options);
  FoveaImage *image = fovea_decode_file (path, &options, NULL, &error);

  /* If the task was cancelled meanwhile it has already returned: drop the
   * result rather than return twice. */
  if (!g_task_set_return_on_cancel (task, FALSE))
    {
      fovea_image_free (image);
      g_clear_error (&error);
      return;
    }

  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, (GDestroyNotify) fovea_image_free);
}

static void
decode_done_cb (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  FoveaDocument *self = FOVEA_DOCUMENT (source_object);
  g_autoptr(GError) error = NULL;

  self->image = g_task_propagate_pointer (G_TASK (result), &error);
  if (self->image == NULL)
    {
      self->error_message = g_strdup (error->message);
      set_state (self, FOVEA_DOCUMENT_FAILED);
      return;
    }
  set_state (self, FOVEA_DOCUMENT_READY);
}

static void
fovea_document_constructed (GObject *object)
{
  FoveaDocument *self = FOVEA_DOCUMENT (object);
  g_autofree char *basename = g_file_get_basename (self->file);

  G_OBJECT_CLASS (fovea_document_parent_class)->constructed (object);

  self->display_name = g_filename_display_name (basename);
}

static void
fovea_document_finalize (GObject *object)
{
  FoveaDocument *self = FOVEA_DOCUMENT (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->image, fovea_image_free);
  g_clear_pointer (&self->error_message, g_free);

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

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_document_class_init (FoveaDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

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
                       FOVEA_TYPE_DOCUMENT_STATE,
                       FOVEA_DOCUMENT_LOADING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fovea_document_init (FoveaDocument *self)
{
  self->state = FOVEA_DOCUMENT_LOADING;
}

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

void
fovea_document_load (FoveaDocument *self,
                     GCancellable  *cancellable)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (FOVEA_IS_DOCUMENT (self));
  g_return_if_fail (self->state == FOVEA_DOCUMENT_LOADING);

  task = g_task_new (self, cancellable, decode_done_cb, NULL);
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
  g_task_run_in_thread (task, decode_in_thread);
}
