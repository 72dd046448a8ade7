/* fovea-image-view.c: the widget that shows an image with its enhanced
 * version, a heat-map overlay, display adjustments, zoom and pan.
 *
 * Every layer is one GdkTexture made once by the caller. Zoom and pan are
 * a translate and a scale in the snapshot, the overlay is push_opacity and
 * brightness, contrast and red-free are push_color_matrix, so none of them
 * re-uploads or recomputes pixels: the renderer keeps each texture on the
 * GPU and a new frame only draws it differently. */
#define G_LOG_DOMAIN "fovea-image-view"

#include "fovea-image-view.h"

#include <math.h>

#include "fovea-texture.h"

struct _FoveaImageView
{
  GtkWidget      parent_instance;

  GdkTexture    *texture;
  GdkTexture    *enhanced_texture;
  GdkTexture    *preview_texture;  /* a smaller copy of texture, or NULL */
  GdkTexture    *heatmap_texture;
  gboolean       heatmap_visible;
  double         heatmap_opacity;
  double         brightness;
  double         contrast;
  gboolean       red_free;

  FoveaViewport *viewport;
  gulong         viewport_changed_id;

  /* Where the pointer is, for zooming at the cursor with the wheel. */
  gboolean       has_pointer;
  double         pointer_x;
  double         pointer_y;

  /* The state when a drag or pinch began. */
  GtkGesture    *zoom_gesture;
  double         gesture_scale;
  double         gesture_center_x;
  double         gesture_center_y;
};

G_DEFINE_FINAL_TYPE (FoveaImageView, fovea_image_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VIEWPORT,
  PROP_SCALE,
  PROP_SHOWING_ENHANCED,
  PROP_HEATMAP_VISIBLE,
  PROP_HEATMAP_OPACITY,
  PROP_BRIGHTNESS,
  PROP_CONTRAST,
  PROP_RED_FREE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A neutral dark grey: it does not tint the perception of the image's
 * colours the way a coloured or bright surround would. */
static const GdkRGBA background_color = { 0.11f, 0.11f, 0.11f, 1.0f };

/* One key press zooms by √2, so two double the size. */
#define ZOOM_STEP G_SQRT2
/* Up to 32 screen pixels per image pixel: single pixels of a 12 MP fundus
 * are then plainly visible. */
#define MAX_SCALE 32.0
/* GDK_SCROLL_UNIT_WHEEL deltas are in notches; this many pixels pan per
 * notch. */
#define PAN_PIXELS_PER_NOTCH 48.0

static double
get_fit_scale (FoveaImageView *self)
{
  double width = MAX (1, gtk_widget_get_width (GTK_WIDGET (self)));
  double height = MAX (1, gtk_widget_get_height (GTK_WIDGET (self)));

  return MIN (width / gdk_texture_get_width (self->texture),
              height / gdk_texture_get_height (self->texture));
}

/* Where image pixel (0, 0) lands in the view, and the scale; the one place
 * the viewport becomes geometry. */
static void
compute_transform (FoveaImageView *self,
                   double         *scale,
                   double         *origin_x,
                   double         *origin_y)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double center_x, center_y;

  if (self->texture == NULL)
    {
      *scale = 1;
      *origin_x = *origin_y = 0;
      return;
    }

  if (fovea_viewport_get_fit (self->viewport))
    {
      *scale = get_fit_scale (self);
      center_x = gdk_texture_get_width (self->texture) / 2.0;
      center_y = gdk_texture_get_height (self->texture) / 2.0;
    }
  else
    {
      *scale = fovea_viewport_get_scale (self->viewport);
      fovea_viewport_get_center (self->viewport, &center_x, &center_y);
    }
  *origin_x = width / 2 - center_x * *scale;
  *origin_y = height / 2 - center_y * *scale;
}

/* Zooming out stops at half the fit (or 1:1, for images smaller than the
 * view), where the whole image is small but still recognisable. */
static double
clamp_scale (FoveaImageView *self,
             double          scale)
{
  return CLAMP (scale, MIN (get_fit_scale (self), 1.0) / 2, MAX_SCALE);
}

/* Sets scale and puts image point (image_x, image_y) at view point
 * (view_x, view_y). The view centre stays on the image, so the picture
 * can never be panned out of sight. */
static void
place_image_point (FoveaImageView *self,
                   double          scale,
                   double          image_x,
                   double          image_y,
                   double          view_x,
                   double          view_y)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double center_x = image_x - (view_x - width / 2) / scale;
  double center_y = image_y - (view_y - height / 2) / scale;

  fovea_viewport_set (self->viewport, scale,
                      CLAMP (center_x, 0, gdk_texture_get_width (self->texture)),
                      CLAMP (center_y, 0, gdk_texture_get_height (self->texture)));
}

static void
zoom_to (FoveaImageView *self,
         double          scale,
         double          view_x,
         double          view_y)
{
  double image_x, image_y;

  if (self->texture == NULL)
    return;
  fovea_image_view_view_to_image (self, view_x, view_y, &image_x, &image_y);
  place_image_point (self, clamp_scale (self, scale), image_x, image_y, view_x, view_y);
}

static void
zoom_about_center (FoveaImageView *self,
                   double          factor)
{
  fovea_image_view_zoom_at (self, factor,
                            gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                            gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

static gboolean
is_adjusted (FoveaImageView *self)
{
  return self->brightness != 0 || self->contrast != 1 || self->red_free;
}

/* The colour matrix of the adjustments. GSK multiplies a row vector by
 * it, so row i says where input channel i goes. */
static void
build_color_matrix (FoveaImageView    *self,
                    graphene_matrix_t *matrix,
                    graphene_vec4_t   *offset)
{
  float c = self->contrast;
  float m[16] = { 0 };

  if (self->red_free)
    m[4] = m[5] = m[6] = c;  /* green into red, green and blue */
  else
    m[0] = m[5] = m[10] = c;
  m[15] = 1;
  graphene_matrix_init_from_float (matrix, m);

  float shift = 0.5f * (1 - c) + (float) self->brightness;
  graphene_vec4_init (offset, shift, shift, shift, 0);
}

static void
update_actions (FoveaImageView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean has_image = self->texture != NULL;

  gtk_widget_action_set_enabled (widget, "view.zoom-in", has_image);
  gtk_widget_action_set_enabled (widget, "view.zoom-out", has_image);
  gtk_widget_action_set_enabled (widget, "view.zoom-fit", has_image);
  gtk_widget_action_set_enabled (widget, "view.zoom-1to1", has_image);
  gtk_widget_action_set_enabled (widget, "view.toggle-heatmap", self->heatmap_texture != NULL);
  gtk_widget_set_cursor_from_name (widget, has_image ? "grab" : NULL);
}

static void
set_texture_field (GdkTexture **field,
                   GdkTexture  *texture)
{
  if (texture != NULL)
    g_object_ref (texture);
  g_clear_object (field);
  *field = texture;
}

static void
viewport_changed_cb (FoveaImageView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

static void
motion_cb (FoveaImageView           *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *controller)
{
  self->has_pointer = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
leave_cb (FoveaImageView           *self,
          GtkEventControllerMotion *controller)
{
  self->has_pointer = FALSE;
}

/* Ctrl+wheel zooms at the cursor; the plain wheel pans a zoomed image and
 * otherwise is left to the parent. */
static gboolean
scroll_cb (FoveaImageView           *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *controller)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  gboolean notches = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL;
  double pixels_x = notches ? dx * PAN_PIXELS_PER_NOTCH : dx;
  double pixels_y = notches ? dy * PAN_PIXELS_PER_NOTCH : dy;
  double scale, origin_x, origin_y;

  if (self->texture == NULL)
    return FALSE;

  if (state & GDK_CONTROL_MASK)
    {
      double factor = pow (ZOOM_STEP, -pixels_y / PAN_PIXELS_PER_NOTCH);

      if (self->has_pointer)
        fovea_image_view_zoom_at (self, factor, self->pointer_x, self->pointer_y);
      else
        zoom_about_center (self, factor);
      return TRUE;
    }

  if (fovea_viewport_get_fit (self->viewport))
    return FALSE;
  /* The image point at the top-left corner moves by the scrolled amount. */
  compute_transform (self, &scale, &origin_x, &origin_y);
  place_image_point (self, scale,
                     (pixels_x - origin_x) / scale, (pixels_y - origin_y) / scale,
                     0, 0);
  return TRUE;
}

static void
drag_begin_cb (FoveaImageView *self,
               double          x,
               double          y,
               GtkGestureDrag *gesture)
{
  double origin_x, origin_y;

  if (self->texture == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_widget_grab_focus (GTK_WIDGET (self));
  compute_transform (self, &self->gesture_scale, &origin_x, &origin_y);
  /* The image point at the view's top-left corner moves with the pointer. */
  self->gesture_center_x = -origin_x / self->gesture_scale;
  self->gesture_center_y = -origin_y / self->gesture_scale;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
drag_update_cb (FoveaImageView *self,
                double          offset_x,
                double          offset_y,
                GtkGestureDrag *gesture)
{
  /* Two fingers pinching: the zoom gesture moves the image. */
  if (gtk_gesture_is_recognized (self->zoom_gesture) ||
      (offset_x == 0 && offset_y == 0))
    return;
  place_image_point (self, self->gesture_scale,
                     self->gesture_center_x, self->gesture_center_y,
                     offset_x, offset_y);
}

static void
drag_end_cb (FoveaImageView *self,
             double          offset_x,
             double          offset_y,
             GtkGestureDrag *gesture)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
}

static void
zoom_begin_cb (FoveaImageView   *self,
               GdkEventSequence *sequence,
               GtkGesture       *gesture)
{
  double x, y;

  if (self->texture == NULL || !gtk_gesture_get_bounding_box_center (gesture, &x, &y))
    return;
  self->gesture_scale = fovea_image_view_get_scale (self);
  fovea_image_view_view_to_image (self, x, y, &self->gesture_center_x, &self->gesture_center_y);
}

/* The image point first between the fingers stays between them. */
static void
zoom_scale_changed_cb (FoveaImageView *self,
                       double          scale,
                       GtkGestureZoom *gesture)
{
  double x, y;

  if (self->texture == NULL ||
      !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    return;
  place_image_point (self, clamp_scale (self, self->gesture_scale * scale),
                     self->gesture_center_x, self->gesture_center_y, x, y);
}

static void
zoom_in_action_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  zoom_about_center (FOVEA_IMAGE_VIEW (widget), ZOOM_STEP);
}

static void
zoom_out_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  zoom_about_center (FOVEA_IMAGE_VIEW (widget), 1 / ZOOM_STEP);
}

static void
zoom_fit_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  fovea_image_view_zoom_fit (FOVEA_IMAGE_VIEW (widget));
}

static void
zoom_1to1_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  fovea_image_view_set_scale (FOVEA_IMAGE_VIEW (widget), 1);
}

/* The original at this scale: the preview while it has at least as many
 * pixels as the screen shows, so the renderer samples less and the
 * downscaling was done properly once, off the main thread. */
static GdkTexture *
pick_original (FoveaImageView *self,
               double          scale)
{
  if (self->preview_texture != NULL &&
      scale * gdk_texture_get_width (self->texture) <= gdk_texture_get_width (self->preview_texture))
    return self->preview_texture;
  return self->texture;
}

static void
fovea_image_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (widget);
  double scale, origin_x, origin_y;

  gtk_snapshot_append_color (snapshot, &background_color,
                             &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                  gtk_widget_get_height (widget)));
  if (self->texture == NULL)
    return;

  compute_transform (self, &scale, &origin_x, &origin_y);
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, gdk_texture_get_width (self->texture),
                                               gdk_texture_get_height (self->texture));
  gboolean adjusted = is_adjusted (self);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (origin_x, origin_y));
  gtk_snapshot_scale (snapshot, scale, scale);

  if (adjusted)
    {
      graphene_matrix_t matrix;
      graphene_vec4_t offset;

      build_color_matrix (self, &matrix, &offset);
      gtk_snapshot_push_color_matrix (snapshot, &matrix, &offset);
    }
  gtk_snapshot_append_texture (snapshot,
                               self->enhanced_texture != NULL ? self->enhanced_texture
                                                              : pick_original (self, scale),
                               &bounds);
  if (adjusted)
    gtk_snapshot_pop (snapshot);

  if (self->heatmap_texture != NULL && self->heatmap_visible && self->heatmap_opacity > 0)
    {
      gtk_snapshot_push_opacity (snapshot, self->heatmap_opacity);
      gtk_snapshot_append_texture (snapshot, self->heatmap_texture, &bounds);
      gtk_snapshot_pop (snapshot);
    }

  gtk_snapshot_restore (snapshot);
}

/* In fit mode the scale follows the size. */
static void
fovea_image_view_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (widget);

  if (self->texture != NULL && fovea_viewport_get_fit (self->viewport))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

static void
fovea_image_view_dispose (GObject *object)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (object);

  g_clear_signal_handler (&self->viewport_changed_id, self->viewport);
  g_clear_object (&self->viewport);
  g_clear_object (&self->texture);
  g_clear_object (&self->enhanced_texture);
  g_clear_object (&self->preview_texture);
  g_clear_object (&self->heatmap_texture);

  G_OBJECT_CLASS (fovea_image_view_parent_class)->dispose (object);
}

static void
fovea_image_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_VIEWPORT:
      g_value_set_object (value, self->viewport);
      break;
    case PROP_SCALE:
      g_value_set_double (value, fovea_image_view_get_scale (self));
      break;
    case PROP_SHOWING_ENHANCED:
      g_value_set_boolean (value, fovea_image_view_get_showing_enhanced (self));
      break;
    case PROP_HEATMAP_VISIBLE:
      g_value_set_boolean (value, self->heatmap_visible);
      break;
    case PROP_HEATMAP_OPACITY:
      g_value_set_double (value, self->heatmap_opacity);
      break;
    case PROP_BRIGHTNESS:
      g_value_set_double (value, self->brightness);
      break;
    case PROP_CONTRAST:
      g_value_set_double (value, self->contrast);
      break;
    case PROP_RED_FREE:
      g_value_set_boolean (value, self->red_free);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_image_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  FoveaImageView *self = FOVEA_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_VIEWPORT:
      fovea_image_view_set_viewport (self, g_value_get_object (value));
      break;
    case PROP_HEATMAP_VISIBLE:
      fovea_image_view_set_heatmap_visible (self, g_value_get_boolean (value));
      break;
    case PROP_HEATMAP_OPACITY:
      fovea_image_view_set_heatmap_opacity (self, g_value_get_double (value));
      break;
    case PROP_BRIGHTNESS:
      fovea_image_view_set_brightness (self, g_value_get_double (value));
      break;
    case PROP_CONTRAST:
      fovea_image_view_set_contrast (self, g_value_get_double (value));
      break;
    case PROP_RED_FREE:
      fovea_image_view_set_red_free (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_zoom_bindings (GtkWidgetClass *widget_class,
                   const char     *action_name,
                   const guint    *keyvals,
                   gsize           n_keyvals)
{
  for (gsize i = 0; i < n_keyvals; i++)
    {
      gtk_widget_class_add_binding_action (widget_class, keyvals[i], 0, action_name, NULL);
      gtk_widget_class_add_binding_action (widget_class, keyvals[i], GDK_CONTROL_MASK,
                                           action_name, NULL);
    }
}

static void
fovea_image_view_class_init (FoveaImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fovea_image_view_dispose;
  object_class->get_property = fovea_image_view_get_property;
  object_class->set_property = fovea_image_view_set_property;

  widget_class->snapshot = fovea_image_view_snapshot;
  widget_class->size_allocate = fovea_image_view_size_allocate;

  properties[PROP_VIEWPORT] =
    g_param_spec_object ("viewport", NULL, NULL, FOVEA_TYPE_VIEWPORT, flags);
  properties[PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL, 0, G_MAXDOUBLE, 1,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOWING_ENHANCED] =
    g_param_spec_boolean ("showing-enhanced", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEATMAP_VISIBLE] =
    g_param_spec_boolean ("heatmap-visible", NULL, NULL, TRUE, flags);
  properties[PROP_HEATMAP_OPACITY] =
    g_param_spec_double ("heatmap-opacity", NULL, NULL, 0, 1, 0.5, flags);
  properties[PROP_BRIGHTNESS] =
    g_param_spec_double ("brightness", NULL, NULL, -1, 1, 0, flags);
  properties[PROP_CONTRAST] =
    g_param_spec_double ("contrast", NULL, NULL, 0, 4, 1, flags);
  properties[PROP_RED_FREE] =
    g_param_spec_boolean ("red-free", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "view.zoom-in", NULL, zoom_in_action_cb);
  gtk_widget_class_install_action (widget_class, "view.zoom-out", NULL, zoom_out_action_cb);
  gtk_widget_class_install_action (widget_class, "view.zoom-fit", NULL, zoom_fit_action_cb);
  gtk_widget_class_install_action (widget_class, "view.zoom-1to1", NULL, zoom_1to1_action_cb);
  /* Stateful, so toggle buttons and menu items show whether it is on. */
  gtk_widget_class_install_property_action (widget_class, "view.toggle-heatmap", "heatmap-visible");
  gtk_widget_class_install_property_action (widget_class, "view.red-free", "red-free");

  static const guint zoom_in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  static const guint zoom_out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };
  static const guint zoom_fit_keys[] = { GDK_KEY_0, GDK_KEY_KP_0 };
  static const guint zoom_1to1_keys[] = { GDK_KEY_1, GDK_KEY_KP_1 };
  add_zoom_bindings (widget_class, "view.zoom-in", zoom_in_keys, G_N_ELEMENTS (zoom_in_keys));
  add_zoom_bindings (widget_class, "view.zoom-out", zoom_out_keys, G_N_ELEMENTS (zoom_out_keys));
  add_zoom_bindings (widget_class, "view.zoom-fit", zoom_fit_keys, G_N_ELEMENTS (zoom_fit_keys));
  add_zoom_bindings (widget_class, "view.zoom-1to1", zoom_1to1_keys, G_N_ELEMENTS (zoom_1to1_keys));
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, 0, "view.toggle-heatmap", NULL);

  gtk_widget_class_set_css_name (widget_class, "imageview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fovea_image_view_init (FoveaImageView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  self->heatmap_visible = TRUE;
  self->heatmap_opacity = 0.5;
  self->contrast = 1;

  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_focusable (widget, TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect_swapped (controller, "enter", G_CALLBACK (motion_cb), self);
  g_signal_connect_swapped (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect_swapped (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect_swapped (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect_swapped (gesture, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect_swapped (gesture, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect_swapped (gesture, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  self->zoom_gesture = gtk_gesture_zoom_new ();
  g_signal_connect_swapped (self->zoom_gesture, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect_swapped (self->zoom_gesture, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (self->zoom_gesture));

  fovea_image_view_set_viewport (self, NULL);
  update_actions (self);
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
  g_autoptr(GdkTexture) texture = NULL;

  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), FALSE);

  if (image != NULL)
    texture = fovea_texture_new_from_image (image, error);
  fovea_image_view_set_texture (self, texture);
  return image == NULL || texture != NULL;
}

void
fovea_image_view_set_texture (FoveaImageView *self,
                              GdkTexture     *texture)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (self->texture == texture)
    return;
  set_texture_field (&self->texture, texture);
  g_clear_object (&self->preview_texture);  /* it was a copy of the old image */
  fovea_viewport_set_fit (self->viewport);
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

void
fovea_image_view_set_preview_texture (FoveaImageView *self,
                                      GdkTexture     *preview)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (preview == NULL || GDK_IS_TEXTURE (preview));

  if (self->preview_texture == preview)
    return;
  set_texture_field (&self->preview_texture, preview);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
fovea_image_view_get_texture (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), NULL);

  return self->texture;
}

void
fovea_image_view_set_enhanced_texture (FoveaImageView *self,
                                       GdkTexture     *texture)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (self->enhanced_texture == texture)
    return;
  gboolean was_showing = self->enhanced_texture != NULL;
  set_texture_field (&self->enhanced_texture, texture);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (was_showing != (texture != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOWING_ENHANCED]);
}

GdkTexture *
fovea_image_view_get_enhanced_texture (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), NULL);

  return self->enhanced_texture;
}

gboolean
fovea_image_view_get_showing_enhanced (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), FALSE);

  return self->texture != NULL && self->enhanced_texture != NULL;
}

void
fovea_image_view_set_heatmap (FoveaImageView *self,
                              GdkTexture     *texture)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  if (self->heatmap_texture == texture)
    return;
  set_texture_field (&self->heatmap_texture, texture);
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
fovea_image_view_get_heatmap (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), NULL);

  return self->heatmap_texture;
}

void
fovea_image_view_set_heatmap_visible (FoveaImageView *self,
                                      gboolean        visible)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  visible = !!visible;
  if (self->heatmap_visible == visible)
    return;
  self->heatmap_visible = visible;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_VISIBLE]);
}

gboolean
fovea_image_view_get_heatmap_visible (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), FALSE);

  return self->heatmap_visible;
}

void
fovea_image_view_set_heatmap_opacity (FoveaImageView *self,
                                      double          opacity)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  opacity = CLAMP (opacity, 0, 1);
  if (self->heatmap_opacity == opacity)
    return;
  self->heatmap_opacity = opacity;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEATMAP_OPACITY]);
}

double
fovea_image_view_get_heatmap_opacity (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), 0);

  return self->heatmap_opacity;
}

void
fovea_image_view_set_brightness (FoveaImageView *self,
                                 double          brightness)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  brightness = CLAMP (brightness, -1, 1);
  if (self->brightness == brightness)
    return;
  self->brightness = brightness;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BRIGHTNESS]);
}

double
fovea_image_view_get_brightness (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), 0);

  return self->brightness;
}

void
fovea_image_view_set_contrast (FoveaImageView *self,
                               double          contrast)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  contrast = CLAMP (contrast, 0, 4);
  if (self->contrast == contrast)
    return;
  self->contrast = contrast;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTRAST]);
}

double
fovea_image_view_get_contrast (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), 1);

  return self->contrast;
}

void
fovea_image_view_set_red_free (FoveaImageView *self,
                               gboolean        red_free)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  red_free = !!red_free;
  if (self->red_free == red_free)
    return;
  self->red_free = red_free;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RED_FREE]);
}

gboolean
fovea_image_view_get_red_free (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), FALSE);

  return self->red_free;
}

void
fovea_image_view_set_viewport (FoveaImageView *self,
                               FoveaViewport  *viewport)
{
  g_autoptr(FoveaViewport) owned = NULL;

  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (viewport == NULL || FOVEA_IS_VIEWPORT (viewport));

  if (viewport == NULL)
    viewport = owned = fovea_viewport_new ();
  if (self->viewport == viewport)
    return;

  g_clear_signal_handler (&self->viewport_changed_id, self->viewport);
  g_set_object (&self->viewport, viewport);
  self->viewport_changed_id = g_signal_connect_swapped (viewport, "changed",
                                                        G_CALLBACK (viewport_changed_cb), self);
  viewport_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWPORT]);
}

FoveaViewport *
fovea_image_view_get_viewport (FoveaImageView *self)
{
  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), NULL);

  return self->viewport;
}

double
fovea_image_view_get_scale (FoveaImageView *self)
{
  double scale, origin_x, origin_y;

  g_return_val_if_fail (FOVEA_IS_IMAGE_VIEW (self), 1);

  compute_transform (self, &scale, &origin_x, &origin_y);
  return scale;
}

void
fovea_image_view_set_scale (FoveaImageView *self,
                            double          scale)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (scale > 0);

  zoom_to (self, scale,
           gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

void
fovea_image_view_zoom_at (FoveaImageView *self,
                          double          factor,
                          double          x,
                          double          y)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));
  g_return_if_fail (factor > 0);

  zoom_to (self, fovea_image_view_get_scale (self) * factor, x, y);
}

void
fovea_image_view_zoom_fit (FoveaImageView *self)
{
  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  fovea_viewport_set_fit (self->viewport);
}

void
fovea_image_view_view_to_image (FoveaImageView *self,
                                double          view_x,
                                double          view_y,
                                double         *image_x,
                                double         *image_y)
{
  double scale, origin_x, origin_y;

  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  compute_transform (self, &scale, &origin_x, &origin_y);
  *image_x = (view_x - origin_x) / scale;
  *image_y = (view_y - origin_y) / scale;
}

void
fovea_image_view_image_to_view (FoveaImageView *self,
                                double          image_x,
                                double          image_y,
                                double         *view_x,
                                double         *view_y)
{
  double scale, origin_x, origin_y;

  g_return_if_fail (FOVEA_IS_IMAGE_VIEW (self));

  compute_transform (self, &scale, &origin_x, &origin_y);
  *view_x = origin_x + image_x * scale;
  *view_y = origin_y + image_y * scale;
}
