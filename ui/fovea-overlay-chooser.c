/* fovea-overlay-chooser.c: radio buttons for the overlay kinds, and one
 * per installed segmentation model. */
#define G_LOG_DOMAIN "fovea-overlay-chooser"

#include "config.h"

#include "fovea-overlay-chooser-private.h"

#include <glib/gi18n.h>

struct _FoveaOverlayChooser
{
  GtkWidget         parent_instance;

  FoveaOverlayKind  kind;
  char             *segmentation_task;  /* the chosen one while kind is SEGMENTATION */
  gboolean          busy;
  GPtrArray        *segmentation_buttons;  /* GtkCheckButton, "task-name" data */

  /* Template widgets */
  GtkSpinner       *spinner;
  GtkLabel         *reason_label;
  GtkBox           *choices;
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

/* The choice is (kind, segmentation task): "kind" notifies when either
 * changes, so that one handler follows every choice once. */
static void
choose (FoveaOverlayChooser *self,
        FoveaOverlayKind     kind,
        const char          *segmentation_task)
{
  if (self->kind == kind && g_strcmp0 (self->segmentation_task, segmentation_task) == 0)
    return;
  self->kind = kind;
  g_free (self->segmentation_task);
  self->segmentation_task = g_strdup (segmentation_task);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

static void
button_toggled_cb (FoveaOverlayChooser *self,
                   GtkCheckButton      *button)
{
  const char *task = g_object_get_data (G_OBJECT (button), "task-name");

  /* Each change toggles two buttons: only the one turned on counts. */
  if (!gtk_check_button_get_active (button))
    return;
  if (task != NULL)
    {
      choose (self, FOVEA_OVERLAY_SEGMENTATION, task);
      return;
    }
  for (int kind = 0; kind < FOVEA_OVERLAY_SEGMENTATION; kind++)
    if (fovea_overlay_chooser_get_button (self, kind) == button)
      choose (self, kind, NULL);
}

/* The button of the segmentation model of task_name, or NULL. */
static GtkCheckButton *
find_segmentation_button (FoveaOverlayChooser *self,
                          const char          *task_name)
{
  for (guint i = 0; i < self->segmentation_buttons->len; i++)
    {
      GtkCheckButton *button = self->segmentation_buttons->pdata[i];

      if (g_strcmp0 (g_object_get_data (G_OBJECT (button), "task-name"), task_name) == 0)
        return button;
    }
  return NULL;
}

/* Whether the buttons are those of names and titles already. */
static gboolean
segmentation_buttons_match (FoveaOverlayChooser *self,
                            const char * const  *names,
                            const char * const  *titles)
{
  guint n = names != NULL ? g_strv_length ((char **) names) : 0;

  if (n != self->segmentation_buttons->len)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      GtkCheckButton *button = self->segmentation_buttons->pdata[i];
      g_autofree char *label = g_strdup_printf (_("Segmentation — %s"), titles[i]);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (button), "task-name"), names[i]) != 0 ||
          g_strcmp0 (gtk_check_button_get_label (button), label) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
fovea_overlay_chooser_dispose (GObject *object)
{
  GtkWidget *child;

  /* dispose_template() only unparents the children bound to fields. */
  gtk_widget_dispose_template (GTK_WIDGET (object), FOVEA_TYPE_OVERLAY_CHOOSER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&FOVEA_OVERLAY_CHOOSER (object)->segmentation_buttons, g_ptr_array_unref);

  G_OBJECT_CLASS (fovea_overlay_chooser_parent_class)->dispose (object);
}

static void
fovea_overlay_chooser_finalize (GObject *object)
{
  g_free (FOVEA_OVERLAY_CHOOSER (object)->segmentation_task);

  G_OBJECT_CLASS (fovea_overlay_chooser_parent_class)->finalize (object);
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
  object_class->finalize = fovea_overlay_chooser_finalize;
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
  gtk_widget_class_bind_template_child (widget_class, FoveaOverlayChooser, choices);
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
  self->segmentation_buttons = g_ptr_array_new_with_free_func (g_object_unref);
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
  GtkCheckButton *button;

  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));
  g_return_if_fail (kind < FOVEA_OVERLAY_N_KINDS);

  button = fovea_overlay_chooser_get_button (self, kind);
  g_return_if_fail (button != NULL);
  /* The button's "toggled" updates kind and notifies. */
  gtk_check_button_set_active (button, TRUE);
}

const char *
fovea_overlay_chooser_get_segmentation_task (FoveaOverlayChooser *self)
{
  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), NULL);

  return self->kind == FOVEA_OVERLAY_SEGMENTATION ? self->segmentation_task : NULL;
}

gboolean
fovea_overlay_chooser_set_segmentation_task (FoveaOverlayChooser *self,
                                             const char          *task_name)
{
  GtkCheckButton *button;

  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), FALSE);

  button = find_segmentation_button (self, task_name);
  if (button == NULL)
    return FALSE;
  gtk_check_button_set_active (button, TRUE);
  return TRUE;
}

void
fovea_overlay_chooser_set_segmentation_tasks (FoveaOverlayChooser *self,
                                              const char * const  *names,
                                              const char * const  *titles)
{
  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));

  if (segmentation_buttons_match (self, names, titles))
    return;
  /* The chosen model is gone, or may be: back to no overlay. */
  if (self->kind == FOVEA_OVERLAY_SEGMENTATION)
    gtk_check_button_set_active (self->none_button, TRUE);
  for (guint i = 0; i < self->segmentation_buttons->len; i++)
    gtk_box_remove (self->choices, self->segmentation_buttons->pdata[i]);
  g_ptr_array_set_size (self->segmentation_buttons, 0);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      /* Translators: a segmentation model's title, e.g. "Segmentation — Retinal vessels". */
      g_autofree char *label = g_strdup_printf (_("Segmentation — %s"), titles[i]);
      GtkWidget *button = gtk_check_button_new_with_label (label);

      g_object_set_data_full (G_OBJECT (button), "task-name", g_strdup (names[i]), g_free);
      gtk_check_button_set_group (GTK_CHECK_BUTTON (button), self->none_button);
      g_signal_connect_object (button, "toggled", G_CALLBACK (button_toggled_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (self->choices, button);
      g_ptr_array_add (self->segmentation_buttons, g_object_ref (button));
    }
}

void
fovea_overlay_chooser_set_segmentation_available (FoveaOverlayChooser *self,
                                                  const char          *task_name,
                                                  gboolean             available,
                                                  const char          *reason)
{
  GtkCheckButton *button;

  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));

  button = find_segmentation_button (self, task_name);
  if (button == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (button), available);
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), available ? NULL : reason);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  available || reason == NULL ? "" : reason,
                                  -1);
}

void
fovea_overlay_chooser_set_available (FoveaOverlayChooser *self,
                                     FoveaOverlayKind     kind,
                                     gboolean             available,
                                     const char          *reason)
{
  GtkCheckButton *button;

  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));
  g_return_if_fail (kind < FOVEA_OVERLAY_SEGMENTATION);

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

void
fovea_overlay_chooser_set_anomaly_method (FoveaOverlayChooser *self,
                                          const char          *method)
{
  g_autofree char *label = NULL;

  g_return_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self));

  label = method != NULL ? g_strdup_printf (_("Anomaly — %s"), method) : g_strdup (_("Anomaly"));
  if (g_strcmp0 (gtk_check_button_get_label (self->anomaly_button), label) != 0)
    gtk_check_button_set_label (self->anomaly_button, label);
}

gboolean
fovea_overlay_chooser_get_available (FoveaOverlayChooser *self,
                                     FoveaOverlayKind     kind)
{
  GtkCheckButton *button;

  g_return_val_if_fail (FOVEA_IS_OVERLAY_CHOOSER (self), FALSE);
  g_return_val_if_fail (kind < FOVEA_OVERLAY_N_KINDS, FALSE);

  button = fovea_overlay_chooser_get_button (self, kind);
  return button != NULL && gtk_widget_get_sensitive (GTK_WIDGET (button));
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
    case FOVEA_OVERLAY_SEGMENTATION:
      /* The chosen model's, else the first. */
      if (find_segmentation_button (self, self->segmentation_task) != NULL)
        return find_segmentation_button (self, self->segmentation_task);
      return self->segmentation_buttons->len > 0 ? self->segmentation_buttons->pdata[0] : NULL;
    case FOVEA_OVERLAY_NONE:
    default:
      return self->none_button;
    }
}
