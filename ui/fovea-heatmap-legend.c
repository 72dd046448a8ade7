/* fovea-heatmap-legend.c: the colour ramp of a heat-map with its title and
 * the values at either end. */
#define G_LOG_DOMAIN "fovea-heatmap-legend"

#include "fovea-heatmap-legend.h"

#include <math.h>

#include "fovea-colormap.h"

struct _FoveaHeatmapLegend
{
  GtkWidget   parent_instance;

  double      min;
  double      max;
  double      mark;  /* NaN: none */

  /* Template widgets */
  GtkLabel   *title_label;
  GtkPicture *ramp_picture;
  GtkLabel   *min_label;
  GtkLabel   *max_label;
  GtkAdjustment *opacity_adjustment;
  GtkWidget  *mark_widget;
  GtkLabel   *mark_label;
};

G_DEFINE_FINAL_TYPE (FoveaHeatmapLegend, fovea_heatmap_legend, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_MIN,
  PROP_MAX,
  PROP_OPACITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Enough decimals to tell the ends apart, and no more: 0.00–1.00 for a
 * probability, 0–255 for intensities. In the user's locale. */
static char *
format_value (double value,
              double range)
{
  int decimals = range > 0 ? 2 - (int) floor (log10 (range)) : 2;

  return g_strdup_printf ("%.*f", CLAMP (decimals, 0, 4), value);
}

static void
update_labels (FoveaHeatmapLegend *self)
{
  g_autofree char *min_text = format_value (self->min, self->max - self->min);
  g_autofree char *max_text = format_value (self->max, self->max - self->min);

  gtk_label_set_text (self->min_label, min_text);
  gtk_label_set_text (self->max_label, max_text);
}

/* The mark sits over the ramp where its value's colour is. */
static gboolean
ramp_overlay_get_child_position_cb (FoveaHeatmapLegend *self,
                                    GtkWidget          *widget,
                                    GdkRectangle       *allocation,
                                    GtkOverlay         *overlay)
{
  int width = gtk_widget_get_width (GTK_WIDGET (overlay));
  int height = gtk_widget_get_height (GTK_WIDGET (overlay));
  int mark_width;
  double t;

  if (widget != self->mark_widget || isnan (self->mark) || self->max <= self->min)
    return FALSE;
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &mark_width, NULL, NULL, NULL);
  mark_width = MAX (mark_width, 2);
  t = CLAMP ((self->mark - self->min) / (self->max - self->min), 0, 1);
  allocation->x = CLAMP ((int) lround (t * width) - mark_width / 2, 0, MAX (0, width - mark_width));
  allocation->y = 0;
  allocation->width = mark_width;
  allocation->height = height;
  return TRUE;
}

static void
opacity_changed_cb (FoveaHeatmapLegend *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
}

static void
fovea_heatmap_legend_dispose (GObject *object)
{
  GtkWidget *child;

  /* dispose_template() only unparents the children bound to fields. */
  gtk_widget_dispose_template (GTK_WIDGET (object), FOVEA_TYPE_HEATMAP_LEGEND);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (fovea_heatmap_legend_parent_class)->dispose (object);
}

static void
fovea_heatmap_legend_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  FoveaHeatmapLegend *self = FOVEA_HEATMAP_LEGEND (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, fovea_heatmap_legend_get_title (self));
      break;
    case PROP_MIN:
      g_value_set_double (value, self->min);
      break;
    case PROP_MAX:
      g_value_set_double (value, self->max);
      break;
    case PROP_OPACITY:
      g_value_set_double (value, gtk_adjustment_get_value (self->opacity_adjustment));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_heatmap_legend_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  FoveaHeatmapLegend *self = FOVEA_HEATMAP_LEGEND (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      fovea_heatmap_legend_set_title (self, g_value_get_string (value));
      break;
    case PROP_MIN:
      fovea_heatmap_legend_set_range (self, g_value_get_double (value), self->max);
      break;
    case PROP_MAX:
      fovea_heatmap_legend_set_range (self, self->min, g_value_get_double (value));
      break;
    case PROP_OPACITY:
      gtk_adjustment_set_value (self->opacity_adjustment, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_heatmap_legend_class_init (FoveaHeatmapLegendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fovea_heatmap_legend_dispose;
  object_class->get_property = fovea_heatmap_legend_get_property;
  object_class->set_property = fovea_heatmap_legend_set_property;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_MIN] = g_param_spec_double ("min", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, flags);
  properties[PROP_MAX] = g_param_spec_double ("max", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 1, flags);
  /* The slider's value; bind it to the view's "heatmap-opacity". */
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0, 1, 0.5, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-heatmap-legend.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, title_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, ramp_picture);
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, min_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, max_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, mark_widget);
  gtk_widget_class_bind_template_child (widget_class, FoveaHeatmapLegend, mark_label);
  gtk_widget_class_bind_template_callback (widget_class, opacity_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, ramp_overlay_get_child_position_cb);

  gtk_widget_class_set_css_name (widget_class, "heatmaplegend");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fovea_heatmap_legend_init (FoveaHeatmapLegend *self)
{
  g_autoptr(GdkTexture) ramp = fovea_colormap_ramp_texture ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_picture_set_paintable (self->ramp_picture, GDK_PAINTABLE (ramp));
  self->max = 1;
  self->mark = NAN;
  update_labels (self);
}

GtkWidget *
fovea_heatmap_legend_new (void)
{
  return g_object_new (FOVEA_TYPE_HEATMAP_LEGEND, NULL);
}

void
fovea_heatmap_legend_set_title (FoveaHeatmapLegend *self,
                                const char         *title)
{
  g_return_if_fail (FOVEA_IS_HEATMAP_LEGEND (self));

  if (g_strcmp0 (title, fovea_heatmap_legend_get_title (self)) == 0)
    return;
  gtk_label_set_text (self->title_label, title != NULL ? title : "");
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), title != NULL && *title != '\0');
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
fovea_heatmap_legend_get_title (FoveaHeatmapLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_HEATMAP_LEGEND (self), NULL);

  return gtk_label_get_text (self->title_label);
}

void
fovea_heatmap_legend_set_range (FoveaHeatmapLegend *self,
                                double              min,
                                double              max)
{
  g_return_if_fail (FOVEA_IS_HEATMAP_LEGEND (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->min != min)
    {
      self->min = min;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN]);
    }
  if (self->max != max)
    {
      self->max = max;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX]);
    }
  update_labels (self);
  gtk_widget_queue_allocate (self->mark_widget);
  g_object_thaw_notify (G_OBJECT (self));
}

double
fovea_heatmap_legend_get_min (FoveaHeatmapLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_HEATMAP_LEGEND (self), 0);

  return self->min;
}

double
fovea_heatmap_legend_get_max (FoveaHeatmapLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_HEATMAP_LEGEND (self), 1);

  return self->max;
}

void
fovea_heatmap_legend_set_mark (FoveaHeatmapLegend *self,
                               double              value,
                               const char         *label)
{
  gboolean shown;

  g_return_if_fail (FOVEA_IS_HEATMAP_LEGEND (self));

  shown = !isnan (value) && label != NULL && *label != '\0';
  self->mark = shown ? value : NAN;
  gtk_label_set_text (self->mark_label, shown ? label : "");
  gtk_widget_set_visible (GTK_WIDGET (self->mark_label), shown);
  gtk_widget_set_visible (self->mark_widget, shown);
  gtk_widget_queue_allocate (self->mark_widget);
}

double
fovea_heatmap_legend_get_mark (FoveaHeatmapLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_HEATMAP_LEGEND (self), NAN);

  return self->mark;
}

const char *
fovea_heatmap_legend_get_mark_label (FoveaHeatmapLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_HEATMAP_LEGEND (self), NULL);

  return isnan (self->mark) ? NULL : gtk_label_get_text (self->mark_label);
}
