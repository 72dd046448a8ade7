/* fovea-adjustments-panel.c: the display adjustment controls.
 *
 * The undo stack's current state is the truth: a control change pushes a
 * new state, and undo, redo, reset and a new document make a state current
 * and then show it, writing it into the controls (with `syncing` set, so
 * that doing so pushes nothing) and into the view.
 *
 * Enhancement and gamma make the "recipe" of the enhanced pixels. The
 * recipe last asked for is kept, so that a brightness change does not
 * recompute anything. A new recipe cancels the one in progress and waits
 * FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS, so that a slider drag computes once
 * it pauses rather than at every step. */
#define G_LOG_DOMAIN "fovea-adjustments-panel"

#include "config.h"

#include "fovea-adjustments-panel-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "fovea-enhance.h"
#include "fovea-texture.h"
#include "fovea-undo-stack.h"

/* What the enhanced pixels are made from, handed to the worker. */
typedef struct {
  FoveaDocument    *document;
  FoveaEnhancement  enhancement;
  double            gamma;
  gboolean          detect_fov;  /* Graham inside the fundus disc only */
} Recipe;

struct _FoveaAdjustmentsPanel
{
  GtkWidget         parent_instance;

  FoveaUndoStack   *stack;
  FoveaDocument    *document;
  FoveaImageView   *view;
  gboolean          syncing;   /* writing a state into the controls */
  gboolean          enhanced;  /* as last notified */

  /* The recipe last asked for; valid FALSE forces the next request. */
  gboolean          requested_valid;
  FoveaEnhancement  requested_enhancement;
  double            requested_gamma;
  guint             debounce_id;
  GCancellable     *cancellable;  /* of the computation in progress */
  guint             n_computations;

  /* Template widgets */
  GtkSpinner       *spinner;
  GtkLabel         *state_label;
  GtkWidget        *controls;
  AdwComboRow      *enhancement_row;
  GtkRange         *gamma_scale;
  GtkRange         *brightness_scale;
  GtkRange         *contrast_scale;
  GtkSwitch        *red_free_switch;
  GtkLabel         *gamma_value;
  GtkLabel         *brightness_value;
  GtkLabel         *contrast_value;
};

G_DEFINE_FINAL_TYPE (FoveaAdjustmentsPanel, fovea_adjustments_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_ENHANCED,
  N_PROPS
};

enum {
  ENHANCED_READY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
recipe_free (Recipe *recipe)
{
  g_object_unref (recipe->document);
  g_free (recipe);
}

static gboolean
needs_pixels (const FoveaAdjustments *state)
{
  return state->enhancement != FOVEA_ENHANCEMENT_NONE || fabs (state->gamma - 1.0) > 1e-6;
}

static const FoveaAdjustments *
get_current (FoveaAdjustmentsPanel *self)
{
  return fovea_undo_stack_get_current (self->stack);
}

static const FoveaImage *
get_image (FoveaAdjustmentsPanel *self)
{
  return self->document != NULL ? fovea_document_get_image (self->document) : NULL;
}

/* Runs in a worker thread: enhancement, then gamma, then the texture, so
 * that the main thread only swaps textures. */
static void
compute_enhanced_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  const Recipe *recipe = task_data;
  const FoveaImage *image = fovea_document_get_image (recipe->document);
  g_autoptr(FoveaImage) enhanced = NULL;
  g_autoptr(FoveaImage) adjusted = NULL;
  GError *error = NULL;
  FoveaFov whole;

  switch (recipe->enhancement)
    {
    case FOVEA_ENHANCEMENT_CLAHE:
      enhanced = fovea_enhance_clahe (image, FOVEA_ADJUSTMENTS_PANEL_CLAHE_CLIP_LIMIT,
                                      FOVEA_ADJUSTMENTS_PANEL_CLAHE_TILES,
                                      FOVEA_ADJUSTMENTS_PANEL_CLAHE_TILES, &error);
      break;
    case FOVEA_ENHANCEMENT_GRAHAM:
      fovea_fov_init_whole_image (image, &whole);
      enhanced = fovea_enhance_graham (image, recipe->detect_fov ? NULL : &whole, &error);
      break;
    case FOVEA_ENHANCEMENT_NONE:
    default:
      break;
    }
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  if (fabs (recipe->gamma - 1.0) > 1e-6)
    {
      adjusted = fovea_enhance_adjust (enhanced != NULL ? enhanced : image, recipe->gamma, 0, 1);
      if (g_task_return_error_if_cancelled (task))
        return;
    }

  GdkTexture *texture = fovea_texture_new_from_image (adjusted != NULL ? adjusted : enhanced,
                                                      &error);
  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
update_spinner (FoveaAdjustmentsPanel *self)
{
  gboolean busy = self->debounce_id != 0 || self->cancellable != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
show_failure (FoveaAdjustmentsPanel *self,
              const GError          *error)
{
  g_autofree char *message = g_strdup_printf (_("The enhancement failed: %s"), error->message);

  gtk_label_set_text (self->state_label, message);
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), "accent");
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "error");
}

static void
compute_enhanced_done_cb (GObject      *source_object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  FoveaAdjustmentsPanel *self = FOVEA_ADJUSTMENTS_PANEL (source_object);
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);

  /* Superseded: a newer recipe, document or view has taken over. */
  if (g_cancellable_is_cancelled (cancellable))
    return;

  g_clear_object (&self->cancellable);
  update_spinner (self);
  if (self->view != NULL)
    fovea_image_view_set_enhanced_texture (self->view, texture);
  if (texture == NULL)
    {
      show_failure (self, error);
      return;
    }
  g_signal_emit (self, signals[ENHANCED_READY], 0);
}

static gboolean
start_computation_cb (gpointer user_data)
{
  FoveaAdjustmentsPanel *self = user_data;
  Recipe *recipe = g_new0 (Recipe, 1);
  g_autoptr(GTask) task = NULL;

  self->debounce_id = 0;
  self->cancellable = g_cancellable_new ();
  self->n_computations++;

  recipe->document = g_object_ref (self->document);
  recipe->enhancement = self->requested_enhancement;
  recipe->gamma = self->requested_gamma;
  recipe->detect_fov = fovea_document_get_modality (self->document) != FOVEA_MODALITY_SKIN &&
                       fovea_document_get_modality (self->document) != FOVEA_MODALITY_OCTA;

  task = g_task_new (self, self->cancellable, compute_enhanced_done_cb, NULL);
  g_task_set_source_tag (task, start_computation_cb);
  g_task_set_task_data (task, recipe, (GDestroyNotify) recipe_free);
  g_task_run_in_thread (task, compute_enhanced_thread);
  return G_SOURCE_REMOVE;
}

static void
cancel_computation (FoveaAdjustmentsPanel *self)
{
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  update_spinner (self);
}

/* Asks for the enhanced pixels of the current state, unless they are the
 * ones already asked for; the original needs none. */
static void
request_pixels (FoveaAdjustmentsPanel *self)
{
  const FoveaAdjustments *state = get_current (self);

  if (self->requested_valid && self->requested_enhancement == state->enhancement &&
      fabs (self->requested_gamma - state->gamma) <= 1e-6)
    return;

  cancel_computation (self);
  self->requested_valid = TRUE;
  self->requested_enhancement = state->enhancement;
  self->requested_gamma = state->gamma;
  if (!needs_pixels (state) || get_image (self) == NULL)
    {
      if (self->view != NULL)
        fovea_image_view_set_enhanced_texture (self->view, NULL);
      return;
    }
  self->debounce_id = g_timeout_add (FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS,
                                     start_computation_cb, self);
  update_spinner (self);
}

/* "Enhanced: CLAHE, γ 1.20, red-free" or "Original". */
static char *
dup_description (const FoveaAdjustments *state)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *list = NULL;

  if (fovea_adjustments_is_original (state))
    return g_strdup (_("Original"));

  if (state->enhancement == FOVEA_ENHANCEMENT_CLAHE)
    g_ptr_array_add (parts, g_strdup (_("CLAHE")));
  else if (state->enhancement == FOVEA_ENHANCEMENT_GRAHAM)
    g_ptr_array_add (parts, g_strdup (_("Graham")));
  if (fabs (state->gamma - 1.0) > 1e-6)
    g_ptr_array_add (parts, g_strdup_printf (_("γ %.2f"), state->gamma));
  if (fabs (state->brightness) > 1e-6)
    g_ptr_array_add (parts, g_strdup_printf (_("brightness %+.2f"), state->brightness));
  if (fabs (state->contrast - 1.0) > 1e-6)
    g_ptr_array_add (parts, g_strdup_printf (_("contrast %.2f"), state->contrast));
  if (state->red_free)
    g_ptr_array_add (parts, g_strdup (_("red-free")));
  g_ptr_array_add (parts, NULL);

  /* Translators: separates the adjustments listed after "Enhanced:". */
  list = g_strjoinv (_(", "), (char **) parts->pdata);
  return g_strdup_printf (_("Enhanced: %s"), list);
}

static void
update_state_label (FoveaAdjustmentsPanel *self)
{
  const FoveaAdjustments *state = get_current (self);
  g_autofree char *description = dup_description (state);
  GtkWidget *label = GTK_WIDGET (self->state_label);

  gtk_label_set_text (self->state_label, description);
  gtk_widget_remove_css_class (label, "error");
  if (fovea_adjustments_is_original (state))
    {
      gtk_widget_remove_css_class (label, "accent");
      gtk_widget_add_css_class (label, "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "accent");
    }
}

/* A slider's value beside it; an offset other than zero is signed. */
static void
set_value_text (GtkLabel *label,
                double    value,
                gboolean  is_offset)
{
  char text[16];

  if (fabs (value) < 0.005)
    value = 0;
  g_snprintf (text, sizeof text, is_offset && value != 0 ? "%+.2f" : "%.2f", value);
  gtk_label_set_text (label, text);
}

static void
sync_controls (FoveaAdjustmentsPanel *self)
{
  const FoveaAdjustments *state = get_current (self);

  self->syncing = TRUE;
  adw_combo_row_set_selected (self->enhancement_row, state->enhancement);
  gtk_range_set_value (self->gamma_scale, state->gamma);
  gtk_range_set_value (self->brightness_scale, state->brightness);
  gtk_range_set_value (self->contrast_scale, state->contrast);
  gtk_switch_set_active (self->red_free_switch, state->red_free);
  self->syncing = FALSE;

  set_value_text (self->gamma_value, state->gamma, FALSE);
  set_value_text (self->brightness_value, state->brightness, TRUE);
  set_value_text (self->contrast_value, state->contrast, FALSE);
}

static void
update_actions (FoveaAdjustmentsPanel *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "adjustments.undo",
                                 fovea_undo_stack_get_can_undo (self->stack));
  gtk_widget_action_set_enabled (widget, "adjustments.redo",
                                 fovea_undo_stack_get_can_redo (self->stack));
  gtk_widget_action_set_enabled (widget, "adjustments.reset", self->enhanced);
}

/* Shows the current state everywhere: controls, view, label, actions. */
static void
show_current (FoveaAdjustmentsPanel *self)
{
  const FoveaAdjustments *state = get_current (self);
  gboolean enhanced = !fovea_adjustments_is_original (state);

  sync_controls (self);
  if (self->view != NULL)
    {
      fovea_image_view_set_brightness (self->view, state->brightness);
      fovea_image_view_set_contrast (self->view, state->contrast);
      fovea_image_view_set_red_free (self->view, state->red_free);
    }
  request_pixels (self);
  update_state_label (self);

  if (enhanced != self->enhanced)
    {
      self->enhanced = enhanced;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENHANCED]);
    }
  update_actions (self);
}

/* A fresh history starting at the original; the heat-map opacity is the
 * view's, which the panel carries along but does not control. */
static void
restart_history (FoveaAdjustmentsPanel *self)
{
  FoveaAdjustments original;

  fovea_adjustments_init_original (&original, get_current (self)->overlay_opacity);
  if (self->view != NULL)
    original.overlay_opacity = fovea_image_view_get_heatmap_opacity (self->view);
  fovea_undo_stack_reset (self->stack, &original);
  self->requested_valid = FALSE;
  show_current (self);
}

static void
update_sensitivity (FoveaAdjustmentsPanel *self)
{
  gtk_widget_set_sensitive (self->controls, get_image (self) != NULL);
}

/* The controls as one state; key names the control that changed, so that
 * the steps of one slider drag make one undo step. */
static void
push_controls (FoveaAdjustmentsPanel *self,
               const char            *key)
{
  FoveaAdjustments state = *get_current (self);

  if (self->syncing)
    return;
  state.enhancement = adw_combo_row_get_selected (self->enhancement_row);
  state.gamma = gtk_range_get_value (self->gamma_scale);
  state.brightness = gtk_range_get_value (self->brightness_scale);
  state.contrast = gtk_range_get_value (self->contrast_scale);
  state.red_free = gtk_switch_get_active (self->red_free_switch);
  if (fovea_undo_stack_push (self->stack, &state, key))
    show_current (self);
}

static void
enhancement_changed_cb (FoveaAdjustmentsPanel *self)
{
  push_controls (self, NULL);
}

static void
gamma_changed_cb (FoveaAdjustmentsPanel *self)
{
  push_controls (self, "gamma");
}

static void
brightness_changed_cb (FoveaAdjustmentsPanel *self)
{
  push_controls (self, "brightness");
}

static void
contrast_changed_cb (FoveaAdjustmentsPanel *self)
{
  push_controls (self, "contrast");
}

static void
red_free_changed_cb (FoveaAdjustmentsPanel *self)
{
  push_controls (self, NULL);
}

/* A released slider ends its undo step. A legacy controller in the
 * capture phase sees the release whatever the scale's own gestures do
 * with the sequence. */
static gboolean
scale_event_cb (GtkEventControllerLegacy *controller,
                GdkEvent                 *event,
                FoveaAdjustmentsPanel    *self)
{
  GdkEventType type = gdk_event_get_event_type (event);

  if (type == GDK_BUTTON_RELEASE || type == GDK_TOUCH_END || type == GDK_TOUCH_CANCEL)
    fovea_undo_stack_close_step (self->stack);
  return GDK_EVENT_PROPAGATE;
}

static void
watch_scale_release (FoveaAdjustmentsPanel *self,
                     GtkRange              *scale)
{
  GtkEventController *controller = gtk_event_controller_legacy_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (scale_event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (scale), controller);
}

static void
stack_can_undo_cb (FoveaAdjustmentsPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
}

static void
stack_can_redo_cb (FoveaAdjustmentsPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

/* The document finished loading: its pixels can now be enhanced. */
static void
document_state_cb (FoveaAdjustmentsPanel *self)
{
  update_sensitivity (self);
  self->requested_valid = FALSE;
  request_pixels (self);
}

static void
undo_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  fovea_adjustments_panel_undo (FOVEA_ADJUSTMENTS_PANEL (widget));
}

static void
redo_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  fovea_adjustments_panel_redo (FOVEA_ADJUSTMENTS_PANEL (widget));
}

static void
reset_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  fovea_adjustments_panel_reset (FOVEA_ADJUSTMENTS_PANEL (widget));
}

static void
fovea_adjustments_panel_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  FoveaAdjustmentsPanel *self = FOVEA_ADJUSTMENTS_PANEL (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, fovea_adjustments_panel_get_can_undo (self));
      break;

    case PROP_CAN_REDO:
      g_value_set_boolean (value, fovea_adjustments_panel_get_can_redo (self));
      break;

    case PROP_ENHANCED:
      g_value_set_boolean (value, fovea_adjustments_panel_get_enhanced (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_adjustments_panel_dispose (GObject *object)
{
  FoveaAdjustmentsPanel *self = FOVEA_ADJUSTMENTS_PANEL (object);
  GtkWidget *child;

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_object (&self->view);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_ADJUSTMENTS_PANEL);
  /* Only bound children are unparented by that; the rest are ours to drop. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_data (self->stack, self);
  g_clear_object (&self->stack);

  G_OBJECT_CLASS (fovea_adjustments_panel_parent_class)->dispose (object);
}

static void
fovea_adjustments_panel_class_init (FoveaAdjustmentsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_adjustments_panel_dispose;
  object_class->get_property = fovea_adjustments_panel_get_property;

  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENHANCED] =
    g_param_spec_boolean ("enhanced", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted on the main thread once a computed enhanced texture has been
   * handed to the view. */
  signals[ENHANCED_READY] =
    g_signal_new ("enhanced-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "adjustments.undo", NULL, undo_action_cb);
  gtk_widget_class_install_action (widget_class, "adjustments.redo", NULL, redo_action_cb);
  gtk_widget_class_install_action (widget_class, "adjustments.reset", NULL, reset_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK,
                                       "adjustments.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "adjustments.redo", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-adjustments-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, state_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, controls);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, enhancement_row);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, gamma_scale);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, brightness_scale);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, contrast_scale);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, red_free_switch);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, gamma_value);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, brightness_value);
  gtk_widget_class_bind_template_child (widget_class, FoveaAdjustmentsPanel, contrast_value);
  gtk_widget_class_bind_template_callback (widget_class, enhancement_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, gamma_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, brightness_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, contrast_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, red_free_changed_cb);
}

static void
fovea_adjustments_panel_init (FoveaAdjustmentsPanel *self)
{
  FoveaAdjustments original;

  /* The view's default heat-map opacity until a view is set. */
  fovea_adjustments_init_original (&original, 0.5);
  self->stack = fovea_undo_stack_new (&original);
  g_signal_connect_swapped (self->stack, "notify::can-undo",
                            G_CALLBACK (stack_can_undo_cb), self);
  g_signal_connect_swapped (self->stack, "notify::can-redo",
                            G_CALLBACK (stack_can_redo_cb), self);

  self->syncing = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->syncing = FALSE;

  watch_scale_release (self, self->gamma_scale);
  watch_scale_release (self, self->brightness_scale);
  watch_scale_release (self, self->contrast_scale);
  update_sensitivity (self);
  show_current (self);
}

GtkWidget *
fovea_adjustments_panel_new (void)
{
  return g_object_new (FOVEA_TYPE_ADJUSTMENTS_PANEL, NULL);
}

void
fovea_adjustments_panel_set_document (FoveaAdjustmentsPanel *self,
                                      FoveaDocument         *document)
{
  g_return_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self));
  g_return_if_fail (document == NULL || FOVEA_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  cancel_computation (self);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document != NULL)
    g_signal_connect_object (document, "notify::state",
                             G_CALLBACK (document_state_cb), self, G_CONNECT_SWAPPED);

  update_sensitivity (self);
  restart_history (self);
}

void
fovea_adjustments_panel_set_view (FoveaAdjustmentsPanel *self,
                                  FoveaImageView        *view)
{
  g_return_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self));
  g_return_if_fail (view == NULL || FOVEA_IS_IMAGE_VIEW (view));

  if (self->view == view)
    return;

  cancel_computation (self);
  if (self->view != NULL)
    {
      fovea_image_view_set_enhanced_texture (self->view, NULL);
      fovea_image_view_set_brightness (self->view, 0);
      fovea_image_view_set_contrast (self->view, 1);
      fovea_image_view_set_red_free (self->view, FALSE);
    }
  g_set_object (&self->view, view);
  self->requested_valid = FALSE;
  show_current (self);
}

gboolean
fovea_adjustments_panel_undo (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), FALSE);

  if (fovea_undo_stack_undo (self->stack) == NULL)
    return FALSE;
  show_current (self);
  return TRUE;
}

gboolean
fovea_adjustments_panel_redo (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), FALSE);

  if (fovea_undo_stack_redo (self->stack) == NULL)
    return FALSE;
  show_current (self);
  return TRUE;
}

void
fovea_adjustments_panel_reset (FoveaAdjustmentsPanel *self)
{
  FoveaAdjustments original;

  g_return_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self));

  fovea_adjustments_init_original (&original, get_current (self)->overlay_opacity);
  if (fovea_undo_stack_push (self->stack, &original, NULL))
    show_current (self);
}

gboolean
fovea_adjustments_panel_toggle_red_free (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), FALSE);

  /* Through the switch, so the panel shows it and it is one undo step. */
  if (!gtk_widget_is_sensitive (GTK_WIDGET (self->red_free_switch)))
    return FALSE;
  gtk_switch_set_active (self->red_free_switch, !gtk_switch_get_active (self->red_free_switch));
  return TRUE;
}

gboolean
fovea_adjustments_panel_get_can_undo (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), FALSE);

  return fovea_undo_stack_get_can_undo (self->stack);
}

gboolean
fovea_adjustments_panel_get_can_redo (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), FALSE);

  return fovea_undo_stack_get_can_redo (self->stack);
}

gboolean
fovea_adjustments_panel_get_enhanced (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), FALSE);

  return self->enhanced;
}

const FoveaAdjustments *
fovea_adjustments_panel_get_adjustments (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), NULL);

  return get_current (self);
}

guint
fovea_adjustments_panel_get_n_computations (FoveaAdjustmentsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_ADJUSTMENTS_PANEL (self), 0);

  return self->n_computations;
}
