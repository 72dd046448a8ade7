/* fovea-overlay-chooser.c: radio buttons for the overlay kinds. */
#define G_LOG_DOMAIN "fovea-overlay-chooser"

#include "config.h"

#include "fovea-overlay-chooser-private.h"

struct _FoveaOverlayChooser
{
  GtkWidget         parent_instance;

  FoveaOverlayKind  kind;
  gboolean          busy;

  /* Template widgets */
  GtkSpinner       *spinner;
  GtkLabel         *reason_label;
  GtkCheckButton   *none_button;
  GtkCheckButton   *rollout_button;
  GtkCheckButton   *gradcam_button;
  GtkCheckButton   *anomaly_button;
};

G_DEFINE_FINAL_TYPE (FoveaOverlayChooser, fovea_overlay_chooser, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_KIND,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
button_toggled_cb (FoveaOverlayChooser *self,
                   GtkCheckButton      *button)
{
  /* Each change toggles two buttons: only the one turned on counts. */
  if (!gtk_check_button_get_active (button))
    return;
  for (int kind = 0; kind < FOVEA_OVERLAY_N_KINDS; kind++)
    if (fovea_overlay_chooser_get_button (self, kind) == button && self->kind != (FoveaOverlayKind) kind)
      {
        self->kind = kind;
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
      }
}

static void
fovea_overlay_chooser_dispose (GObject *object)
{
  GtkWidget *child;

  /* dispose_template() only unparents the children bound to fields. */
  gtk_widget_dispose_template (GTK_WIDGET (object), FOVEA_TYPE_OVERLAY_CHOOSER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (fovea_overlay_chooser_parent_class)->dispose (object);
}

static void
fovea_overlay_chooser_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  FoveaOverlayChooser *self = FOVEA_OVERLAY_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_overlay_chooser_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  FoveaOverlayChooser *self = FOVEA_OVERLAY_CHOOSER (object);

  switch (prop_id)
    {
    case PROP_KIND:
      fovea_overlay_chooser_set_kind (self, g_value_get_int (value));
      break;
    case PROP_BUSY:
      fovea_overlay_chooser_set_busy (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_overlay_chooser_class_init (FoveaOverlayChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fovea_overlay_chooser_dispose;
  object_class->get_property = fovea_overlay_chooser_get_property;
  object_class->set_property = fovea_overlay_chooser_set_property;

  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, FOVEA_OVERLAY_N_KINDS - 1,
                                            FOVEA_OVERLAY_ROLLOUT, flags);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-overlay-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, spinner);
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, reason_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, none_button);
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, rollout_button);
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, gradcam_button);
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, anomaly_button);
  gtk_widget_class_bind_template_callback (widget_class, button_toggled_cb);

  gtk_widget_class_set_css_name (widget_class, "overlaychooser");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fovea_overlay_chooser_init (FoveaOverlayChooser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Attention rollout comes with every analysis, so it is on at first. */
  self->kind = FOVEA_OVERLAY_ROLLOUT;
  gtk_check_button_set_active (self->rollout_button, TRUE);
}

GtkWidget *
fovea_overlay_chooser_new (void)
{
  return g_object_new (FOVEA_TYPE_OVERLAY_CHOOSER, NULL);
}

FoveaOverlayKind
fovea_overlay_chooser_get_kind (FoveaOverlayChooser *self)
{
  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), FOVEA_OVERLAY_NONE);

  return self->kind;
}

void
fovea_overlay_chooser_set_kind (FoveaOverlayChooser *self,
                                FoveaOverlayKind     kind)
{
  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));
  g_return_if_fail (kind < FOVEA_OVERLAY_N_KINDS);

  /* The button's "toggled" updates kind and notifies. */
  gtk_check_button_set_active (fovea_overlay_chooser_get_button (self, kind), TRUE);
}

void
fovea_overlay_chooser_set_available (FoveaOverlayChooser *self,
                                     FoveaOverlayKind     kind,
                                     gboolean             available,
                                     const char          *reason)
{
  GtkCheckButton *button;

  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));
  g_return_if_fail (kind < FOVEA_OVERLAY_N_KINDS);

  button = fovea_overlay_chooser_get_button (self, kind);
  gtk_widget_set_sensitive (GTK_WIDGET (button), available);
  if (kind != FOVEA_OVERLAY_ANOMALY)
    return;
  /* Only Anomaly depends on what is installed; its reason is the one shown. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), available ? NULL : reason);
  gtk_label_set_text (self->reason_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->reason_label), !available && reason != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  available || reason == NULL ? "" : reason,
                                  -1);
}

gboolean
fovea_overlay_chooser_get_available (FoveaOverlayChooser *self,
                                     FoveaOverlayKind     kind)
{
  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), FALSE);
  g_return_val_if_fail (kind < FOVEA_OVERLAY_N_KINDS, FALSE);

  return gtk_widget_get_sensitive (GTK_WIDGET (fovea_overlay_chooser_get_button (self, kind)));
}

void
fovea_overlay_chooser_set_busy (FoveaOverlayChooser *self,
                                gboolean             busy)
{
  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));

  busy = !!busy;
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

gboolean
fovea_overlay_chooser_get_busy (FoveaOverlayChooser *self)
{
  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), FALSE);

  return self->busy;
}

GtkCheckButton *
fovea_overlay_chooser_get_button (FoveaOverlayChooser *self,
                                  FoveaOverlayKind     kind)
{
  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), NULL);

  switch (kind)
    {
    case FOVEA_OVERLAY_ROLLOUT:
      return self->rollout_button;
    case FOVEA_OVERLAY_GRADCAM:
      return self->gradcam_button;
    case FOVEA_OVERLAY_ANOMALY:
      return self->anomaly_button;
    case FOVEA_OVERLAY_NONE:
    default:
      return self->none_button;
    }
}
