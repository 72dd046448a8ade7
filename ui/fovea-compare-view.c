/* fovea-compare-view.c: the original and the enhanced image side by side,
 * zoomed and panned together.
 *
 * Both sides are ordinary image views given one FoveaViewport, so a zoom
 * or drag on either moves both, and the original's texture is shared by
 * the two, so it is uploaded once. */
#define G_LOG_DOMAIN "fovea-compare-view"

#include "config.h"

#include "fovea-compare-view.h"

#include <glib/gi18n.h>

struct _FoveaCompareView
{
  GtkWidget       parent_instance;

  FoveaViewport  *viewport;

  /* Template widgets */
  FoveaImageView *original_view;
  FoveaImageView *enhanced_view;
  GtkLabel       *enhanced_label;
};

G_DEFINE_FINAL_TYPE (FoveaCompareView, fovea_compare_view, GTK_TYPE_WIDGET)

/* Until an enhanced image is set the right side shows the original, and
 * says so. */
static void
showing_enhanced_changed_cb (FoveaCompareView *self)
{
  gtk_label_set_text (self->enhanced_label,
                      fovea_image_view_get_showing_enhanced (self->enhanced_view)
                      ? _("Enhanced") : _("Original"));
}

static void
fovea_compare_view_dispose (GObject *object)
{
  FoveaCompareView *self = FOVEA_COMPARE_VIEW (object);
  GtkWidget *child;

  /* dispose_template() only unparents the children bound to fields. */
  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_COMPARE_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->viewport);

  G_OBJECT_CLASS (fovea_compare_view_parent_class)->dispose (object);
}

static void
fovea_compare_view_class_init (FoveaCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_compare_view_dispose;

  g_type_ensure (FOVEA_TYPE_IMAGE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaCompareView, original_view);
  gtk_widget_class_bind_template_child (widget_class, FoveaCompareView, enhanced_view);
  gtk_widget_class_bind_template_child (widget_class, FoveaCompareView, enhanced_label);
  gtk_widget_class_bind_template_callback (widget_class, showing_enhanced_changed_cb);

  gtk_widget_class_set_css_name (widget_class, "compareview");
}

static void
fovea_compare_view_init (FoveaCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->viewport = fovea_viewport_new ();
  fovea_image_view_set_viewport (self->original_view, self->viewport);
  fovea_image_view_set_viewport (self->enhanced_view, self->viewport);
  showing_enhanced_changed_cb (self);
}

GtkWidget *
fovea_compare_view_new (void)
{
  return g_object_new (FOVEA_TYPE_COMPARE_VIEW, NULL);
}

void
fovea_compare_view_set_textures (FoveaCompareView *self,
                                 GdkTexture       *original,
                                 GdkTexture       *enhanced)
{
  g_return_if_fail (FOVEA_IS_COMPARE_VIEW (self));

  fovea_image_view_set_texture (self->original_view, original);
  fovea_image_view_set_texture (self->enhanced_view, original);
  fovea_image_view_set_enhanced_texture (self->enhanced_view, enhanced);
}

FoveaViewport *
fovea_compare_view_get_viewport (FoveaCompareView *self)
{
  g_return_val_if_fail (FOVEA_IS_COMPARE_VIEW (self), NULL);

  return self->viewport;
}

FoveaImageView *
fovea_compare_view_get_original_view (FoveaCompareView *self)
{
  g_return_val_if_fail (FOVEA_IS_COMPARE_VIEW (self), NULL);

  return self->original_view;
}

FoveaImageView *
fovea_compare_view_get_enhanced_view (FoveaCompareView *self)
{
  g_return_val_if_fail (FOVEA_IS_COMPARE_VIEW (self), NULL);

  return self->enhanced_view;
}
