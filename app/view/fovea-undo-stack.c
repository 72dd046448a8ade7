/* fovea-undo-stack.c: undo and redo of display adjustment states.
 *
 * states[0 … current] are the undo history, the current state last;
 * states after current are the redo states. A step stays open to
 * coalescing while open_key is set: further pushes with that key within
 * the interval overwrite states[current] instead of adding a state. */
#define G_LOG_DOMAIN "fovea-undo-stack"

#include "config.h"

#include "fovea-undo-stack.h"

struct _FoveaUndoStack
{
  GObject    parent_instance;

  GArray    *states;  /* FoveaAdjustments, oldest first */
  guint      current;
  char      *open_key;
  gint64     open_time;
  GTimeSpan  coalesce_interval;

  /* As last notified, so that notify fires only on a change. */
  gboolean   can_undo;
  gboolean   can_redo;
};

G_DEFINE_FINAL_TYPE (FoveaUndoStack, fovea_undo_stack, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static FoveaAdjustments *
get_state (FoveaUndoStack *self,
           guint           index)
{
  return &g_array_index (self->states, FoveaAdjustments, index);
}

static void
update_can_undo_redo (FoveaUndoStack *self)
{
  gboolean can_undo = self->current > 0;
  gboolean can_redo = self->current + 1 < self->states->len;

  if (can_undo != self->can_undo)
    {
      self->can_undo = can_undo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
    }
  if (can_redo != self->can_redo)
    {
      self->can_redo = can_redo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
    }
}

static gboolean
can_coalesce (FoveaUndoStack *self,
              const char     *key,
              gint64          now)
{
  return key != NULL && self->open_key != NULL && g_str_equal (key, self->open_key) &&
         now - self->open_time <= self->coalesce_interval;
}

/* Overwrites the open step; a drag that came back to where it started
 * leaves no step at all. */
static void
coalesce_state (FoveaUndoStack         *self,
                const FoveaAdjustments *state)
{
  *get_state (self, self->current) = *state;
  if (fovea_adjustments_equal (state, get_state (self, self->current - 1)))
    {
      g_array_set_size (self->states, self->current);
      self->current--;
      g_clear_pointer (&self->open_key, g_free);
    }
}

static void
append_state (FoveaUndoStack         *self,
              const FoveaAdjustments *state,
              const char             *key)
{
  g_array_set_size (self->states, self->current + 1);
  g_array_append_val (self->states, *state);
  self->current++;
  if (self->current > FOVEA_UNDO_STACK_MAX_STEPS)
    {
      g_array_remove_index (self->states, 0);
      self->current--;
    }
  g_free (self->open_key);
  self->open_key = g_strdup (key);
}

static void
fovea_undo_stack_finalize (GObject *object)
{
  FoveaUndoStack *self = FOVEA_UNDO_STACK (object);

  g_array_unref (self->states);
  g_free (self->open_key);

  G_OBJECT_CLASS (fovea_undo_stack_parent_class)->finalize (object);
}

static void
fovea_undo_stack_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  FoveaUndoStack *self = FOVEA_UNDO_STACK (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, fovea_undo_stack_get_can_undo (self));
      break;

    case PROP_CAN_REDO:
      g_value_set_boolean (value, fovea_undo_stack_get_can_redo (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_undo_stack_class_init (FoveaUndoStackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = fovea_undo_stack_finalize;
  object_class->get_property = fovea_undo_stack_get_property;

  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fovea_undo_stack_init (FoveaUndoStack *self)
{
  self->states = g_array_new (FALSE, FALSE, sizeof (FoveaAdjustments));
  self->coalesce_interval = FOVEA_UNDO_STACK_COALESCE_INTERVAL;
}

FoveaUndoStack *
fovea_undo_stack_new (const FoveaAdjustments *initial)
{
  FoveaUndoStack *self;

  g_return_val_if_fail (initial != NULL, NULL);

  self = g_object_new (FOVEA_TYPE_UNDO_STACK, NULL);
  g_array_append_val (self->states, *initial);
  return self;
}

void
fovea_undo_stack_reset (FoveaUndoStack         *self,
                        const FoveaAdjustments *initial)
{
  g_return_if_fail (FOVEA_IS_UNDO_STACK (self));
  g_return_if_fail (initial != NULL);

  g_array_set_size (self->states, 0);
  g_array_append_val (self->states, *initial);
  self->current = 0;
  g_clear_pointer (&self->open_key, g_free);
  update_can_undo_redo (self);
}

const FoveaAdjustments *
fovea_undo_stack_get_current (FoveaUndoStack *self)
{
  g_return_val_if_fail (FOVEA_IS_UNDO_STACK (self), NULL);

  return get_state (self, self->current);
}

gboolean
fovea_undo_stack_push (FoveaUndoStack         *self,
                       const FoveaAdjustments *state,
                       const char             *coalesce_key)
{
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (FOVEA_IS_UNDO_STACK (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (fovea_adjustments_equal (state, get_state (self, self->current)))
    return FALSE;

  /* An open step is always the newest: undo closes it. */
  if (can_coalesce (self, coalesce_key, now))
    coalesce_state (self, state);
  else
    append_state (self, state, coalesce_key);
  self->open_time = now;
  update_can_undo_redo (self);
  return TRUE;
}

void
fovea_undo_stack_close_step (FoveaUndoStack *self)
{
  g_return_if_fail (FOVEA_IS_UNDO_STACK (self));

  g_clear_pointer (&self->open_key, g_free);
}

const FoveaAdjustments *
fovea_undo_stack_undo (FoveaUndoStack *self)
{
  g_return_val_if_fail (FOVEA_IS_UNDO_STACK (self), NULL);

  if (self->current == 0)
    return NULL;
  self->current--;
  g_clear_pointer (&self->open_key, g_free);
  update_can_undo_redo (self);
  return get_state (self, self->current);
}

const FoveaAdjustments *
fovea_undo_stack_redo (FoveaUndoStack *self)
{
  g_return_val_if_fail (FOVEA_IS_UNDO_STACK (self), NULL);

  if (self->current + 1 >= self->states->len)
    return NULL;
  self->current++;
  g_clear_pointer (&self->open_key, g_free);
  update_can_undo_redo (self);
  return get_state (self, self->current);
}

gboolean
fovea_undo_stack_get_can_undo (FoveaUndoStack *self)
{
  g_return_val_if_fail (FOVEA_IS_UNDO_STACK (self), FALSE);

  return self->current > 0;
}

gboolean
fovea_undo_stack_get_can_redo (FoveaUndoStack *self)
{
  g_return_val_if_fail (FOVEA_IS_UNDO_STACK (self), FALSE);

  return self->current + 1 < self->states->len;
}

void
fovea_undo_stack_set_coalesce_interval (FoveaUndoStack *self,
                                        GTimeSpan       interval)
{
  g_return_if_fail (FOVEA_IS_UNDO_STACK (self));
  g_return_if_fail (interval >= 0);

  self->coalesce_interval = interval;
}
