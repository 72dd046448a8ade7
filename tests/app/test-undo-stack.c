/* test-undo-stack.c: FoveaUndoStack and FoveaAdjustments, without a
 * display: push, undo, redo, the redo states dropped by a new push,
 * coalescing of slider drags, the step limit, and the can-undo/can-redo
 * notifications that enable the Undo and Redo actions. */
#include "config.h"

#include <string.h>

#include "fovea-undo-stack.h"

/* Pushes never coalesce by time in the tests that do not sleep. */
#define FOREVER G_MAXINT64

static FoveaAdjustments
make_state (double gamma)
{
  FoveaAdjustments state;

  fovea_adjustments_init_original (&state, 0.5);
  state.gamma = gamma;
  return state;
}

static void
assert_current_gamma (FoveaUndoStack *stack,
                      double          gamma)
{
  g_assert_cmpfloat (fovea_undo_stack_get_current (stack)->gamma, ==, gamma);
}

static void
assert_can (FoveaUndoStack *stack,
            gboolean        can_undo,
            gboolean        can_redo)
{
  gboolean prop_undo, prop_redo;

  g_assert_cmpint (fovea_undo_stack_get_can_undo (stack), ==, can_undo);
  g_assert_cmpint (fovea_undo_stack_get_can_redo (stack), ==, can_redo);
  g_object_get (stack, "can-undo", &prop_undo, "can-redo", &prop_redo, NULL);
  g_assert_cmpint (prop_undo, ==, can_undo);
  g_assert_cmpint (prop_redo, ==, can_redo);
}

static void
test_adjustments_equal (void)
{
  FoveaAdjustments a, b;

  fovea_adjustments_init_original (&a, 0.5);
  g_assert_true (fovea_adjustments_is_original (&a));
  g_assert_cmpint (a.enhancement, ==, FOVEA_ENHANCEMENT_NONE);
  g_assert_cmpfloat (a.gamma, ==, 1.0);
  g_assert_cmpfloat (a.contrast, ==, 1.0);
  g_assert_cmpfloat (a.brightness, ==, 0.0);
  g_assert_false (a.red_free);

  b = a;
  b.gamma += 1e-9;  /* slider noise */
  g_assert_true (fovea_adjustments_equal (&a, &b));
  b.gamma += 1e-3;
  g_assert_false (fovea_adjustments_equal (&a, &b));
  g_assert_false (fovea_adjustments_is_original (&b));

  /* Opacity makes a different state but not a different image. */
  b = a;
  b.overlay_opacity = 0.9;
  g_assert_false (fovea_adjustments_equal (&a, &b));
  g_assert_true (fovea_adjustments_is_original (&b));

  /* Any true value is the same red-free. */
  a.red_free = TRUE;
  b = a;
  b.red_free = 2;
  g_assert_true (fovea_adjustments_equal (&a, &b));
  g_assert_false (fovea_adjustments_is_original (&a));

  b = a;
  b.enhancement = FOVEA_ENHANCEMENT_CLAHE;
  g_assert_false (fovea_adjustments_equal (&a, &b));
  b.enhancement = FOVEA_ENHANCEMENT_GRAHAM;
  g_assert_false (fovea_adjustments_equal (&a, &b));
  b = a;
  b.brightness = 0.1;
  g_assert_false (fovea_adjustments_equal (&a, &b));
  b = a;
  b.contrast = 1.5;
  g_assert_false (fovea_adjustments_equal (&a, &b));
}

static void
test_undo_stack_empty (void)
{
  FoveaAdjustments initial = make_state (1.0);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);

  assert_can (stack, FALSE, FALSE);
  g_assert_true (fovea_adjustments_equal (fovea_undo_stack_get_current (stack), &initial));
  g_assert_null (fovea_undo_stack_undo (stack));
  g_assert_null (fovea_undo_stack_redo (stack));
  /* Pushing the current state is not a step. */
  g_assert_false (fovea_undo_stack_push (stack, &initial, NULL));
  assert_can (stack, FALSE, FALSE);
}

static void
test_undo_stack_undo_redo (void)
{
  FoveaAdjustments initial = make_state (1.0);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);

  for (int i = 2; i <= 4; i++)
    {
      FoveaAdjustments state = make_state (i);
      g_assert_true (fovea_undo_stack_push (stack, &state, NULL));
      assert_current_gamma (stack, i);
      assert_can (stack, TRUE, FALSE);
    }
  FoveaAdjustments same = make_state (4);
  g_assert_false (fovea_undo_stack_push (stack, &same, NULL));

  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 3);
  assert_can (stack, TRUE, TRUE);
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 2);
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 1);
  assert_can (stack, FALSE, TRUE);
  g_assert_null (fovea_undo_stack_undo (stack));
  assert_current_gamma (stack, 1);

  g_assert_cmpfloat (fovea_undo_stack_redo (stack)->gamma, ==, 2);
  g_assert_cmpfloat (fovea_undo_stack_redo (stack)->gamma, ==, 3);
  g_assert_cmpfloat (fovea_undo_stack_redo (stack)->gamma, ==, 4);
  assert_can (stack, TRUE, FALSE);
  g_assert_null (fovea_undo_stack_redo (stack));
  assert_current_gamma (stack, 4);
}

static void
test_undo_stack_push_clears_redo (void)
{
  FoveaAdjustments initial = make_state (1.0);
  FoveaAdjustments a = make_state (2), b = make_state (3), c = make_state (4);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);

  fovea_undo_stack_push (stack, &a, NULL);
  fovea_undo_stack_push (stack, &b, NULL);
  fovea_undo_stack_undo (stack);
  assert_can (stack, TRUE, TRUE);

  g_assert_true (fovea_undo_stack_push (stack, &c, NULL));
  assert_can (stack, TRUE, FALSE);
  g_assert_null (fovea_undo_stack_redo (stack));
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 2);
  g_assert_cmpfloat (fovea_undo_stack_redo (stack)->gamma, ==, 4);

  /* Pushing what the redo state held is a new step all the same. */
  fovea_undo_stack_undo (stack);
  g_assert_true (fovea_undo_stack_push (stack, &c, NULL));
  assert_can (stack, TRUE, FALSE);
}

typedef struct {
  guint can_undo;
  guint can_redo;
} NotifyCounts;

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  NotifyCounts *counts = user_data;

  if (g_str_equal (pspec->name, "can-undo"))
    counts->can_undo++;
  else if (g_str_equal (pspec->name, "can-redo"))
    counts->can_redo++;
}

static void
assert_counts (const NotifyCounts *counts,
               guint               can_undo,
               guint               can_redo)
{
  g_assert_cmpuint (counts->can_undo, ==, can_undo);
  g_assert_cmpuint (counts->can_redo, ==, can_redo);
}

/* Notifications come exactly when a value changes, as actions need. */
static void
test_undo_stack_notify (void)
{
  FoveaAdjustments initial = make_state (1.0);
  FoveaAdjustments a = make_state (2), b = make_state (3);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);
  NotifyCounts counts = { 0, 0 };

  g_signal_connect (stack, "notify", G_CALLBACK (count_notify_cb), &counts);

  fovea_undo_stack_push (stack, &a, NULL);
  assert_counts (&counts, 1, 0);
  fovea_undo_stack_push (stack, &b, NULL);
  assert_counts (&counts, 1, 0);
  fovea_undo_stack_undo (stack);          /* can undo still; can redo now */
  assert_counts (&counts, 1, 1);
  fovea_undo_stack_undo (stack);          /* back at the start */
  assert_counts (&counts, 2, 1);
  fovea_undo_stack_undo (stack);          /* nothing to undo: no change */
  assert_counts (&counts, 2, 1);
  fovea_undo_stack_redo (stack);
  assert_counts (&counts, 3, 1);
  fovea_undo_stack_push (stack, &initial, NULL);  /* drops the redo state */
  assert_counts (&counts, 3, 2);
  fovea_undo_stack_undo (stack);
  assert_counts (&counts, 3, 3);
  fovea_undo_stack_reset (stack, &b);
  assert_counts (&counts, 4, 4);
  assert_can (stack, FALSE, FALSE);
  assert_current_gamma (stack, 3);
  fovea_undo_stack_reset (stack, &a);
  assert_counts (&counts, 4, 4);
  assert_current_gamma (stack, 2);
}

/* One slider drag is one step; another control, a NULL key, a released
 * slider or an undo each start a new one. */
static void
test_undo_stack_coalesce (void)
{
  FoveaAdjustments initial = make_state (1.0);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);

  fovea_undo_stack_set_coalesce_interval (stack, FOREVER);
  for (int i = 1; i <= 20; i++)
    {
      FoveaAdjustments state = make_state (1.0 + i / 10.0);
      g_assert_true (fovea_undo_stack_push (stack, &state, "gamma"));
    }
  assert_current_gamma (stack, 3.0);
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 1.0);
  assert_can (stack, FALSE, TRUE);
  g_assert_cmpfloat (fovea_undo_stack_redo (stack)->gamma, ==, 3.0);

  /* After an undo/redo the same key starts a new step. */
  FoveaAdjustments state = make_state (4.0);
  fovea_undo_stack_push (stack, &state, "gamma");
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 3.0);
  fovea_undo_stack_reset (stack, &initial);

  /* Another key. */
  state = make_state (2.0);
  fovea_undo_stack_push (stack, &state, "gamma");
  FoveaAdjustments contrast = state;
  contrast.contrast = 1.5;
  fovea_undo_stack_push (stack, &contrast, "contrast");
  contrast.contrast = 1.7;
  fovea_undo_stack_push (stack, &contrast, "contrast");
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->contrast, ==, 1.0);
  assert_current_gamma (stack, 2.0);
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 1.0);
  assert_can (stack, FALSE, TRUE);
  fovea_undo_stack_reset (stack, &initial);

  /* A NULL key never coalesces, not even with itself. */
  state = make_state (2.0);
  fovea_undo_stack_push (stack, &state, NULL);
  state = make_state (3.0);
  fovea_undo_stack_push (stack, &state, NULL);
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 2.0);
  fovea_undo_stack_reset (stack, &initial);

  /* A released slider closes its step. */
  state = make_state (2.0);
  fovea_undo_stack_push (stack, &state, "gamma");
  fovea_undo_stack_close_step (stack);
  state = make_state (3.0);
  fovea_undo_stack_push (stack, &state, "gamma");
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 2.0);
  fovea_undo_stack_reset (stack, &initial);

  /* A drag that comes back where it started leaves no step. */
  state = make_state (2.0);
  fovea_undo_stack_push (stack, &state, "gamma");
  g_assert_true (fovea_undo_stack_push (stack, &initial, "gamma"));
  assert_can (stack, FALSE, FALSE);
  state = make_state (2.5);
  fovea_undo_stack_push (stack, &state, "gamma");
  fovea_undo_stack_push (stack, &state, "gamma");  /* unchanged: ignored */
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 1.0);
  g_assert_null (fovea_undo_stack_undo (stack));
}

/* Pushes further apart than the interval are separate steps. */
static void
test_undo_stack_coalesce_interval (void)
{
  FoveaAdjustments initial = make_state (1.0);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);
  FoveaAdjustments a = make_state (2), b = make_state (3);

  fovea_undo_stack_set_coalesce_interval (stack, 20 * G_TIME_SPAN_MILLISECOND);
  fovea_undo_stack_push (stack, &a, "gamma");
  g_usleep (60 * G_TIME_SPAN_MILLISECOND);
  fovea_undo_stack_push (stack, &b, "gamma");
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 2.0);
  g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, 1.0);
}

/* Beyond the limit the oldest states go; the newest are all kept. */
static void
test_undo_stack_limit (void)
{
  FoveaAdjustments initial = make_state (0.0);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);
  const int n_pushes = FOVEA_UNDO_STACK_MAX_STEPS + 50;

  for (int i = 1; i <= n_pushes; i++)
    {
      FoveaAdjustments state = make_state (i);
      fovea_undo_stack_push (stack, &state, NULL);
    }
  for (int i = 1; i <= FOVEA_UNDO_STACK_MAX_STEPS; i++)
    g_assert_cmpfloat (fovea_undo_stack_undo (stack)->gamma, ==, n_pushes - i);
  g_assert_null (fovea_undo_stack_undo (stack));
  assert_can (stack, FALSE, TRUE);
  assert_current_gamma (stack, n_pushes - FOVEA_UNDO_STACK_MAX_STEPS);
}

/* Random pushes, undos and redos against a plain array and index: the
 * definition of an undo history without coalescing. */
static void
test_undo_stack_random (void)
{
  FoveaAdjustments initial = make_state (0.0);
  g_autoptr(FoveaUndoStack) stack = fovea_undo_stack_new (&initial);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  double model[FOVEA_UNDO_STACK_MAX_STEPS + 1] = { 0.0 };
  guint len = 1, current = 0;

  for (int op = 0; op < 20000; op++)
    {
      switch (g_rand_int_range (rand, 0, 3))
        {
        case 0:
          {
            /* Few values, so that equal pushes happen too. */
            double gamma = g_rand_int_range (rand, 0, 4);
            FoveaAdjustments state = make_state (gamma);
            gboolean pushed = fovea_undo_stack_push (stack, &state, NULL);
            g_assert_cmpint (pushed, ==, gamma != model[current]);
            if (!pushed)
              break;
            len = current + 1;
            if (len == G_N_ELEMENTS (model))
              {
                memmove (model, model + 1, sizeof model - sizeof model[0]);
                len--;
              }
            model[len++] = gamma;
            current = len - 1;
            break;
          }

        case 1:
          {
            const FoveaAdjustments *state = fovea_undo_stack_undo (stack);
            g_assert_cmpint (state != NULL, ==, current > 0);
            if (current > 0)
              current--;
            break;
          }

        default:
          {
            const FoveaAdjustments *state = fovea_undo_stack_redo (stack);
            g_assert_cmpint (state != NULL, ==, current + 1 < len);
            if (current + 1 < len)
              current++;
            break;
          }
        }
      assert_current_gamma (stack, model[current]);
      assert_can (stack, current > 0, current + 1 < len);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/adjustments/equal", test_adjustments_equal);
  g_test_add_func ("/undo-stack/empty", test_undo_stack_empty);
  g_test_add_func ("/undo-stack/undo-redo", test_undo_stack_undo_redo);
  g_test_add_func ("/undo-stack/push-clears-redo", test_undo_stack_push_clears_redo);
  g_test_add_func ("/undo-stack/notify", test_undo_stack_notify);
  g_test_add_func ("/undo-stack/coalesce", test_undo_stack_coalesce);
  g_test_add_func ("/undo-stack/coalesce-interval", test_undo_stack_coalesce_interval);
  g_test_add_func ("/undo-stack/limit", test_undo_stack_limit);
  g_test_add_func ("/undo-stack/random", test_undo_stack_random);
  return g_test_run ();
}
