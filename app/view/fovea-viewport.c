/* fovea-viewport.c: the zoom and pan of an image view, as an object that
 * several views can share so that they move together (compare mode).
 *
 * It holds no sizes: each view turns it into a transform for its own
 * allocation and image, so two views of different widths stay centred on
 * the same image point. */
#define G_LOG_DOMAIN "fovea-viewport"

#include "fovea-viewport.h"

struct _FoveaViewport
{
  GObject  parent_instance;

  gboolean fit;
  double   scale;
  double   center_x;
  double   center_y;
};

G_DEFINE_FINAL_TYPE (FoveaViewport, fovea_viewport, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FIT,
  PROP_SCALE,
  PROP_CENTER_X,
  PROP_CENTER_Y,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
fovea_viewport_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  FoveaViewport *self = FOVEA_VIEWPORT (object);

  switch (prop_id)
    {
    case PROP_FIT:
      g_value_set_boolean (value, self->fit);
      break;
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    case PROP_CENTER_X:
      g_value_set_double (value, self->center_x);
      break;
    case PROP_CENTER_Y:
      g_value_set_double (value, self->center_y);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_viewport_class_init (FoveaViewportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fovea_viewport_get_property;

  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL, 0, G_MAXDOUBLE, 1,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CENTER_X] =
    g_param_spec_double ("center-x", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CENTER_Y] =
    g_param_spec_double ("center-y", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* One signal per change, however many properties it touched, so views
   * redraw once. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
fovea_viewport_init (FoveaViewport *self)
{
  self->fit = TRUE;
  self->scale = 1;
}

FoveaViewport *
fovea_viewport_new (void)
{
  return g_object_new (FOVEA_TYPE_VIEWPORT, NULL);
}

gboolean
fovea_viewport_get_fit (FoveaViewport *self)
{
  g_return_val_if_fail (FOVEA_IS_VIEWPORT (self), TRUE);

  return self->fit;
}

void
fovea_viewport_set_fit (FoveaViewport *self)
{
  g_return_if_fail (FOVEA_IS_VIEWPORT (self));

  if (self->fit)
    return;
  self->fit = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  g_signal_emit (self, signals[CHANGED], 0);
}

double
fovea_viewport_get_scale (FoveaViewport *self)
{
  g_return_val_if_fail (FOVEA_IS_VIEWPORT (self), 1);

  return self->scale;
}

void
fovea_viewport_get_center (FoveaViewport *self,
                           double        *x,
                           double        *y)
{
  g_return_if_fail (FOVEA_IS_VIEWPORT (self));

  *x = self->center_x;
  *y = self->center_y;
}

void
fovea_viewport_set (FoveaViewport *self,
                    double         scale,
                    double         center_x,
                    double         center_y)
{
  g_return_if_fail (FOVEA_IS_VIEWPORT (self));
  g_return_if_fail (scale > 0);

  if (!self->fit && self->scale == scale &&
      self->center_x == center_x && self->center_y == center_y)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->fit)
    {
      self->fit = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
    }
  if (self->scale != scale)
    {
      self->scale = scale;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
    }
  if (self->center_x != center_x)
    {
      self->center_x = center_x;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CENTER_X]);
    }
  if (self->center_y != center_y)
    {
      self->center_y = center_y;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CENTER_Y]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[CHANGED], 0);
}
