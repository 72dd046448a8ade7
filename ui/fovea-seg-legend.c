/* fovea-seg-legend.c: a segmentation overlay's labels, each with a check
 * button, its colour and what was measured. */
#define G_LOG_DOMAIN "fovea-seg-legend"

#include "config.h"

#include "fovea-seg-legend-private.h"

#include <glib/gi18n.h>
#include <math.h>

#define SWATCH_SIZE 12

typedef struct {
  GtkCheckButton *button;
  GtkLabel       *summary;
  char           *key;     /* "task\nlabel", for the hidden set */
} LabelRow;

struct _FoveaSegLegend
{
  GtkWidget      parent_instance;

  GArray        *rows;     /* LabelRow */
  GHashTable    *hidden;   /* keys of the labels not drawn */

  /* Template widgets */
  GtkLabel      *title_label;
  GtkLabel      *unvalidated_label;
  GtkBox        *labels_box;
  GtkAdjustment *opacity_adjustment;
};

G_DEFINE_FINAL_TYPE (FoveaSegLegend, fovea_seg_legend, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LAYER_OPACITY,
  N_PROPS
};

enum {
  SHOWN_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
label_row_clear (LabelRow *row)
{
  g_free (row->key);
}

/* What was measured of label index, in a line. */
static char *
dup_summary (const FoveaSegOverlay *overlay,
             int                    index)
{
  const FoveaSegMeasures *measures = overlay->measures;
  const FoveaSegLabelMeasures *label;

  if (measures == NULL || index >= measures->n_labels)
    return NULL;
  label = &measures->labels[index];
  if (g_strcmp0 (label->label, "vessels") == 0 && measures->has_vessels)
    {
      if (isfinite (measures->fractal_dimension))
        /* Translators: vessel pixels as a percentage of the field of view, and the vessel
         * tree's box-counting fractal dimension. */
        return g_strdup_printf (_("Density %.1f %% of the field of view · fractal dimension %.2f"),
                                100 * measures->vessel_density, measures->fractal_dimension);
      return g_strdup_printf (_("Density %.1f %% of the field of view"),
                              100 * measures->vessel_density);
    }
  if (g_strcmp0 (label->label, "optic_disc") == 0)
    {
      if (!measures->has_disc)
        return g_strdup (_("Not found"));
      /* Translators: the optic disc's equivalent-area diameter in image pixels. */
      return g_strdup_printf (_("Diameter %.0f px"), measures->disc_diameter);
    }
  if (label->count == 0)
    return g_strdup (_("None found"));
  /* Translators: connected regions, and their area as a percentage of the field of view. */
  return g_strdup_printf (_("Regions: %d · area %.2f %% of the field of view"),
                          label->count, label->area_percent);
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  const guint8 *rgb = user_data;

  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
  cairo_fill_preserve (cr);
  /* A dark edge keeps white (soft exudates) visible on the light OSD. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
button_toggled_cb (FoveaSegLegend *self,
                   GtkCheckButton *button)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      LabelRow *row = &g_array_index (self->rows, LabelRow, i);

      if (row->button != button)
        continue;
      if (gtk_check_button_get_active (button))
        g_hash_table_remove (self->hidden, row->key);
      else
        g_hash_table_add (self->hidden, g_strdup (row->key));
    }
  g_signal_emit (self, signals[SHOWN_CHANGED], 0);
}

/* A check button holding the swatch and title, the summary beneath. */
static void
add_row (FoveaSegLegend             *self,
         const FoveaSegOverlay      *overlay,
         int                         index)
{
  const FoveaSegOverlayLabel *label = &overlay->labels[index];
  g_autofree char *summary = dup_summary (overlay, index);
  GtkWidget *swatch = gtk_drawing_area_new ();
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *button = gtk_check_button_new ();
  GtkWidget *summary_label = gtk_label_new (summary);
  LabelRow row = { GTK_CHECK_BUTTON (button), GTK_LABEL (summary_label),
                   g_strdup_printf ("%s\n%s", overlay->task_name, label->name) };

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), SWATCH_SIZE);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), SWATCH_SIZE);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch,
                                  g_memdup2 (label->rgb, sizeof label->rgb), g_free);
  gtk_box_append (GTK_BOX (content), swatch);
  gtk_box_append (GTK_BOX (content), gtk_label_new (label->title));
  gtk_check_button_set_child (GTK_CHECK_BUTTON (button), content);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (button),
                               !g_hash_table_contains (self->hidden, row.key));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label->title, -1);
  g_signal_connect_object (button, "toggled", G_CALLBACK (button_toggled_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_label_set_xalign (GTK_LABEL (summary_label), 0);
  gtk_label_set_wrap (GTK_LABEL (summary_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (summary_label), 34);
  gtk_widget_set_margin_start (summary_label, 28);
  gtk_widget_add_css_class (summary_label, "caption");
  gtk_widget_add_css_class (summary_label, "numeric");
  gtk_widget_set_visible (summary_label, summary != NULL);

  gtk_box_append (self->labels_box, button);
  gtk_box_append (self->labels_box, summary_label);
  g_array_append_val (self->rows, row);
}

static void
opacity_changed_cb (FoveaSegLegend *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER_OPACITY]);
}

static void
fovea_seg_legend_dispose (GObject *object)
{
  FoveaSegLegend *self = FOVEA_SEG_LEGEND (object);
  GtkWidget *child;

  /* dispose_template() only unparents the children bound to fields. */
  gtk_widget_dispose_template (GTK_WIDGET (object), FOVEA_TYPE_SEG_LEGEND);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->hidden, g_hash_table_unref);

  G_OBJECT_CLASS (fovea_seg_legend_parent_class)->dispose (object);
}

static void
fovea_seg_legend_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  FoveaSegLegend *self = FOVEA_SEG_LEGEND (object);

  switch (prop_id)
    {
    case PROP_LAYER_OPACITY:
      g_value_set_double (value, gtk_adjustment_get_value (self->opacity_adjustment));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_seg_legend_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  FoveaSegLegend *self = FOVEA_SEG_LEGEND (object);

  switch (prop_id)
    {
    case PROP_LAYER_OPACITY:
      gtk_adjustment_set_value (self->opacity_adjustment, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_seg_legend_class_init (FoveaSegLegendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_seg_legend_dispose;
  object_class->get_property = fovea_seg_legend_get_property;
  object_class->set_property = fovea_seg_legend_set_property;

  /* The slider's value; bind it to the view's "heatmap-opacity". */
  properties[PROP_LAYER_OPACITY] =
    g_param_spec_double ("layer-opacity", NULL, NULL, 0, 1, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A label was drawn or hidden by its check button. */
  signals[SHOWN_CHANGED] = g_signal_new ("shown-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-seg-legend.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaSegLegend, title_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaSegLegend, unvalidated_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaSegLegend, labels_box);
  gtk_widget_class_bind_template_child (widget_class, FoveaSegLegend, opacity_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, opacity_changed_cb);

  gtk_widget_class_set_css_name (widget_class, "seglegend");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fovea_seg_legend_init (FoveaSegLegend *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_array_new (FALSE, TRUE, sizeof (LabelRow));
  g_array_set_clear_func (self->rows, (GDestroyNotify) label_row_clear);
  self->hidden = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

GtkWidget *
fovea_seg_legend_new (void)
{
  return g_object_new (FOVEA_TYPE_SEG_LEGEND, NULL);
}

void
fovea_seg_legend_set_overlay (FoveaSegLegend        *self,
                              const FoveaSegOverlay *overlay)
{
  GtkWidget *child;

  g_return_if_fail (FOVEA_IS_SEG_LEGEND (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->labels_box))) != NULL)
    gtk_box_remove (self->labels_box, child);
  g_array_set_size (self->rows, 0);
  gtk_label_set_text (self->title_label, overlay != NULL ? overlay->task_title : "");
  gtk_widget_set_visible (GTK_WIDGET (self->unvalidated_label),
                          overlay != NULL && !overlay->validated);
  for (int i = 0; overlay != NULL && i < overlay->n_labels; i++)
    add_row (self, overlay, i);
}

gboolean
fovea_seg_legend_get_label_shown (FoveaSegLegend *self,
                                  int             index)
{
  g_return_val_if_fail (FOVEA_IS_SEG_LEGEND (self), FALSE);
  g_return_val_if_fail (index >= 0 && (guint) index < self->rows->len, FALSE);

  return gtk_check_button_get_active (g_array_index (self->rows, LabelRow, index).button);
}

void
fovea_seg_legend_set_label_shown (FoveaSegLegend *self,
                                  int             index,
                                  gboolean        shown)
{
  g_return_if_fail (FOVEA_IS_SEG_LEGEND (self));
  g_return_if_fail (index >= 0 && (guint) index < self->rows->len);

  /* The button's "toggled" remembers it and emits "shown-changed". */
  gtk_check_button_set_active (g_array_index (self->rows, LabelRow, index).button, shown);
}

double
fovea_seg_legend_get_layer_opacity (FoveaSegLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_SEG_LEGEND (self), 0);

  return gtk_adjustment_get_value (self->opacity_adjustment);
}

GtkCheckButton *
fovea_seg_legend_get_check_button (FoveaSegLegend *self,
                                   int             index)
{
  g_return_val_if_fail (FOVEA_IS_SEG_LEGEND (self), NULL);

  if (index < 0 || (guint) index >= self->rows->len)
    return NULL;
  return g_array_index (self->rows, LabelRow, index).button;
}

const char *
fovea_seg_legend_get_summary (FoveaSegLegend *self,
                              int             index)
{
  g_return_val_if_fail (FOVEA_IS_SEG_LEGEND (self), NULL);

  if (index < 0 || (guint) index >= self->rows->len)
    return NULL;
  return gtk_label_get_text (g_array_index (self->rows, LabelRow, index).summary);
}

gboolean
fovea_seg_legend_get_unvalidated (FoveaSegLegend *self)
{
  g_return_val_if_fail (FOVEA_IS_SEG_LEGEND (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->unvalidated_label));
}
