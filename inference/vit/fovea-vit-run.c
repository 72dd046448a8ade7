/* fovea-vit-run.c: the activation arena of a ViT for one (batch, image
 * size, outputs) tuple, allocated once, and the results it holds. */
#define G_LOG_DOMAIN "fovea-vit-run"

#include "fovea-vit-private.h"

#include <stdlib.h>

#include "fovea-arena.h"

static gboolean
check_geometry (const FoveaVit *vit, int max_batch, int height, int width,
                GError **error)
{
  int patch = vit->config.patch_size;

  if (max_batch < 1 || height < patch || width < patch ||
      height % patch != 0 || width % patch != 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run %s on %d image(s) of %d×%d pixels: the batch must be "
                   "at least 1 and the sides multiples of the patch size %d",
                   vit->config.architecture, max_batch, height, width, patch);
      return FALSE;
    }

  /* Token rows of the whole batch are counted in int (as BLAS counts). */
  gint64 tokens = (gint64) (height / patch) * (width / patch) + vit->n_prefix;
  if (tokens * max_batch > G_MAXINT)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run %s on %d image(s) of %d×%d pixels: too many tokens",
                   vit->config.architecture, max_batch, height, width);
      return FALSE;
    }
  return TRUE;
}

FoveaVitRun *
fovea_vit_run_new (FoveaVit *vit, int max_batch, int height, int width,
                   FoveaVitOutputs outputs, int n_threads, GError **error)
{
  g_return_val_if_fail (vit != NULL, NULL);

  const FoveaVitConfig *c = &vit->config;
  if (!check_geometry (vit, max_batch, height, width, error))
    return NULL;

  g_autoptr (FoveaVitRun) run = g_new0 (FoveaVitRun, 1);
  run->vit = vit;
  run->max_batch = max_batch;
  run->height = height;
  run->width = width;
  run->grid_h = height / c->patch_size;
  run->grid_w = width / c->patch_size;
  run->n_patches = run->grid_h * run->grid_w;
  run->n_tokens = vit->n_prefix + run->n_patches;
  run->outputs = outputs;
  run->token_block = -1;
  run->pool = fovea_pool_new (n_threads > 0 ? n_threads : (int) g_get_num_processors (),
                              error);
  if (run->pool == NULL)
    return NULL;

  double rows = (double) max_batch * run->n_tokens;
  double dim = c->embed_dim, tokens = run->n_tokens;
  gboolean resample = run->grid_h != vit->grid_h || run->grid_w != vit->grid_w;
  int n_pos = (c->no_embed_class ? 0 : vit->n_prefix) + run->n_patches;
  double wide = MAX (MAX (3 * dim, vit->hidden_dim), vit->patch_embed.in_dim);
  gboolean want_attention = (outputs & FOVEA_VIT_OUTPUT_ATTENTION) != 0;
  gboolean want_patches = (outputs & FOVEA_VIT_OUTPUT_PATCH_TOKENS) != 0;

  FoveaArenaPlan plan = FOVEA_ARENA_PLAN_INIT;
  gsize pos_at = fovea_arena_plan_floats (&plan, (resample ? n_pos : 0) * dim);
  gsize x_at = fovea_arena_plan_floats (&plan, rows * dim);
  gsize ln_at = fovea_arena_plan_floats (&plan, rows * dim);
  gsize wide_at = fovea_arena_plan_floats (&plan, rows * wide);
  int pool_threads = fovea_pool_get_n_threads (run->pool);
  double score_maps = want_attention ? 0 : pool_threads;
  double attention_maps = want_attention ? (double) c->depth * max_batch : 0;
  double patch_rows = want_patches ? (double) max_batch * run->n_patches : 0;
  gsize scores_at = fovea_arena_plan_floats (&plan, score_maps * tokens * tokens);
  gsize attention_at = fovea_arena_plan_floats (&plan, attention_maps * c->num_heads * (tokens * tokens));
  gsize patches_at = fovea_arena_plan_floats (&plan, patch_rows * dim);
  gsize pooled_at = fovea_arena_plan_floats (&plan, (double) max_batch * dim);
  gsize lora_at = fovea_arena_plan_floats (&plan, rows * FOVEA_LORA_RANK_CHUNK);

  run->arena = fovea_arena_alloc (&plan);
  if (run->arena == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for running %s on %d image(s) of %d×%d pixels "
                   "(%.0f MB of activations)", c->architecture, max_batch,
                   height, width, plan.planned / 1e6);
      return NULL;
    }

  char *base = run->arena;
  run->x = (float *) (base + x_at);
  run->ln = (float *) (base + ln_at);
  run->wide = (float *) (base + wide_at);
  run->scores = want_attention ? NULL : (float *) (base + scores_at);
  run->attention = want_attention ? (float *) (base + attention_at) : NULL;
  run->patch_tokens = want_patches ? (float *) (base + patches_at) : NULL;
  run->pooled = (float *) (base + pooled_at);
  run->lora_scratch = (float *) (base + lora_at);

  run->pos_embed = vit->pos_embed;
  if (resample)
    {
      float *pos = (float *) (base + pos_at);
      if (!fovea_vit_pos_embed_resample (vit, run->grid_h, run->grid_w, pos, error))
        return NULL;
      run->pos_embed = pos;
    }

  int n_outputs = c->num_classes > 0 ? c->num_classes : c->embed_dim;
  if (!fovea_vit_run_reserve_logits (run, n_outputs, error))
    return NULL;
  run->n_outputs = n_outputs;
  return g_steal_pointer (&run);
}

gboolean
fovea_vit_run_reserve_logits (FoveaVitRun *run, int n_outputs, GError **error)
{
  if (n_outputs <= run->logits_width)
    return TRUE;

  float *logits = g_try_renew (float, run->logits, (gsize) run->max_batch * n_outputs);
  if (logits == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for %d × %d logits", run->max_batch, n_outputs);
      return FALSE;
    }
  run->logits = logits;
  run->logits_width = n_outputs;
  return TRUE;
}

void
fovea_vit_run_free (FoveaVitRun *run)
{
  if (run == NULL)
    return;
  fovea_pool_free (run->pool);
  free (run->arena);
  g_free (run->logits);
  g_free (run);
}

gboolean
fovea_vit_run_set_patch_token_block (FoveaVitRun *run, int block, GError **error)
{
  g_return_val_if_fail (run != NULL, FALSE);

  if (run->patch_tokens == NULL || block < -1 || block >= run->vit->config.depth)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot take patch tokens after block %d of %s (depth %d)%s",
                   block, run->vit->config.architecture, run->vit->config.depth,
                   run->patch_tokens == NULL ? ": the run keeps no patch tokens" : "");
      return FALSE;
    }
  run->token_block = block;
  return TRUE;
}

int
fovea_vit_run_get_n_outputs (const FoveaVitRun *run)
{
  return run->n_outputs;
}

const float *
fovea_vit_run_get_logits (const FoveaVitRun *run)
{
  return run->logits;
}

int
fovea_vit_run_get_n_tokens (const FoveaVitRun *run)
{
  return run->n_tokens;
}

int
fovea_vit_run_get_grid (const FoveaVitRun *run, int *grid_h, int *grid_w)
{
  if (grid_h != NULL)
    *grid_h = run->grid_h;
  if (grid_w != NULL)
    *grid_w = run->grid_w;
  return run->n_patches;
}

const float *
fovea_vit_run_get_attention (const FoveaVitRun *run, int block)
{
  if (run->attention == NULL || block < 0 || block >= run->vit->config.depth)
    return NULL;
  gsize map = (gsize) run->n_tokens * run->n_tokens;
  return run->attention + (gsize) block * run->max_batch * run->vit->config.num_heads * map;
}

const float *
fovea_vit_run_get_patch_tokens (const FoveaVitRun *run)
{
  return run->patch_tokens;
}
