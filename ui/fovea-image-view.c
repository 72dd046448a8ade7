/* fovea-image-view.c: the widget that shows an image, letterboxed.
 *
 * The picture is drawn through GtkSnapshot transforms (translate, then
 * scale) rather than by resampling pixels, so zoom and pan can later be
 * added as further transforms on the same texture. */
#include "fovea-image-view.h"

#include "fovea-texture.h"

struct _FoveaImageView
{
  GtkWidget   parent_instance;

  GdkTexture *texture;
};

G_DEFINE_FINAL_TYPE (FoveaImageView, fovea_image_view, GTK_TYPE_WIDGET)

/* A neutral dark grey: it does not tint the perception of the image's
 * colours the way a coloured or bright surround would. */
static const GdkRGBA background_color = { 0.11f, 0.11f, 0.11f, 1.0f };

static void
fovea_image_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (widget);
  float width = gtk_widget_get_width (widget);
  float height = gtk_widget_get_height (widget);

  gtk_snapshot_append_color (snapshot, &background_color,
                             &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->texture == NULL)
    return;

  float texture_width = gdk_texture_get_width (self->texture);
  float texture_height = gdk_texture_get_height (self->texture);
  float scale = MIN (width / texture_width, height / texture_height);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT ((width - texture_width * scale) / 2,
                                                (height - texture_height * scale) / 2));
  gtk_snapshot_scale (snapshot, scale, scale);
  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT (0, 0, texture_width, texture_height));
  gtk_snapshot_restore (snapshot);
}

static void
fovea_image_view_dispose (GObject *object)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (object);

  g_clear_object (&self->texture);

  G_OBJECT_CLASS (fovea_image_view_parent_class)->dispose (object);
}

static void
fovea_image_view_class_init (FoveaImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_image_view_dispose;

  widget_class->snapshot = fovea_image_view_snapshot;

  gtk_widget_class_set_css_name (widget_class, "imageview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fovea_image_view_init (FoveaImageView *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
fovea_image_view_new (void)
{
  return g_object_new (FOVEA_TYPE_IMAGE_VIEW, NULL);
}

gboolean
fovea_image_view_set_image (FoveaImageView    *self,
                            const FoveaImage  *image,
                            GError           **error)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), FALSE);

  g_clear_object (&self->texture);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (image == NULL)
    return TRUE;

  self->texture = fovea_texture_new_from_image (image, error);
  return self->texture != NULL;
}

GdkTexture *
fovea_image_view_get_texture (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), NULL);

  return self->texture;
}
