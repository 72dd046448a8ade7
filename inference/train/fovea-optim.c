/* fovea-optim.c: AdamW, the learning-rate schedule and gradient clipping.
 *
 * AdamW repeats torch.optim.AdamW's single-tensor path operation by
 * operation, in float32 with the scalars rounded to float as PyTorch
 * rounds them; with AVX2 and FMA it also fuses what PyTorch's kernels
 * fuse, and a run here is then bit-identical to a run there. */
#define G_LOG_DOMAIN "fovea-optim"

#include "fovea-optim.h"

#include <math.h>
/* x86 intrinsics only where the build targets x86-64 (fovea-simd.h);
 * elsewhere the scalar loop below is the whole update. */
#ifdef FOVEA_HAVE_X86_SIMD
#include <immintrin.h>
#endif

/* The omp simd hints are for speed only (see fovea-kernels.c). */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

struct _FoveaAdamW {
  FoveaAdamWConfig config;
  int              n_params;
  gsize           *n;   /* elements of each tensor, to check the params passed to step */
  float          **m;   /* first moments (torch's exp_avg) */
  float          **v;   /* second moments (exp_avg_sq) */
  gint64           step;
};

FoveaAdamW *
fovea_adamw_new (const FoveaAdamWConfig *config,
                 const FoveaTrainParam  *params,
                 int                     n_params)
{
  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (n_params >= 0 && (n_params == 0 || params != NULL), NULL);

  FoveaAdamW *opt = g_new0 (FoveaAdamW, 1);
  opt->config = *config;
  opt->n_params = n_params;
  opt->n = g_new0 (gsize, MAX (n_params, 1));
  opt->m = g_new0 (float *, MAX (n_params, 1));
  opt->v = g_new0 (float *, MAX (n_params, 1));
  for (int i = 0; i < n_params; i++)
    {
      opt->n[i] = params[i].n;
      opt->m[i] = g_new0 (float, MAX (params[i].n, 1));
      opt->v[i] = g_new0 (float, MAX (params[i].n, 1));
    }
  return opt;
}

void
fovea_adamw_free (FoveaAdamW *opt)
{
  if (opt == NULL)
    return;
  for (int i = 0; i < opt->n_params; i++)
    {
      g_free (opt->m[i]);
      g_free (opt->v[i]);
    }
  g_free (opt->n);
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt);
}

/* The per-step constants, computed once in double as PyTorch computes them
 * in Python, then rounded to float as its CPU kernels round scalars. */
typedef struct {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float neg_step_size;         /* -lr / (1 - β1^t) */
  float bias_correction2_sqrt; /* sqrt (1 - β2^t) */
  float eps;
} AdamScalars;

/* One element of torch's
 *   param.mul_(1 - lr·wd)
 *   exp_avg.mul_(β1).add_(grad, alpha=1-β1)
 *   exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1-β2)
 *   denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
 *   param.addcdiv_(exp_avg, denom, value=-step_size)
 * fused into one pass over memory. */
static inline void
adamw_scalar (float *p, float g, float *m, float *v,
              float decay_factor, const AdamScalars *s)
{
  float mk = *m * s->beta1 + s->one_minus_beta1 * g;
  float vk = *v * s->beta2 + s->one_minus_beta2 * g * g;
  *m = mk;
  *v = vk;
  float denom = sqrtf (vk) / s->bias_correction2_sqrt + s->eps;
  *p = *p * decay_factor + s->neg_step_size * mk / denom;
}

/* The same, four at a time. With errno semantics for sqrtf (glibc's
 * default) neither gcc nor clang vectorises the scalar loop, and the
 * scalar square roots and divisions then take 4× longer than the memory
 * traffic (3 M parameters: 9 ms against 2.4 ms). SSE2 is the x86-64
 * baseline; each operation rounds as the scalar one does. */
static void
adamw_update_generic (float *restrict p, const float *restrict g,
                      float *restrict m, float *restrict v, gsize n,
                      float decay_factor, const AdamScalars *s)
{
  gsize k = 0;
#ifdef FOVEA_HAVE_X86_SIMD
  const __m128 b1 = _mm_set1_ps (s->beta1), c1 = _mm_set1_ps (s->one_minus_beta1);
  const __m128 b2 = _mm_set1_ps (s->beta2), c2 = _mm_set1_ps (s->one_minus_beta2);
  const __m128 step = _mm_set1_ps (s->neg_step_size);
  const __m128 bc2 = _mm_set1_ps (s->bias_correction2_sqrt), eps = _mm_set1_ps (s->eps);
  const __m128 decay = _mm_set1_ps (decay_factor);
  for (; k + 4 <= n; k += 4)
    {
      __m128 gk = _mm_loadu_ps (g + k);
      __m128 mk = _mm_add_ps (_mm_mul_ps (_mm_loadu_ps (m + k), b1), _mm_mul_ps (c1, gk));
      __m128 vk = _mm_add_ps (_mm_mul_ps (_mm_loadu_ps (v + k), b2),
                              _mm_mul_ps (_mm_mul_ps (c2, gk), gk));
      _mm_storeu_ps (m + k, mk);
      _mm_storeu_ps (v + k, vk);
      __m128 denom = _mm_add_ps (_mm_div_ps (_mm_sqrt_ps (vk), bc2), eps);
      __m128 pk = _mm_mul_ps (_mm_loadu_ps (p + k), decay);
      _mm_storeu_ps (p + k, _mm_add_ps (pk, _mm_div_ps (_mm_mul_ps (step, mk), denom)));
    }
#endif
  for (; k < n; k++)
    adamw_scalar (&p[k], g[k], &m[k], &v[k], decay_factor, s);
}

#ifdef FOVEA_HAVE_X86_SIMD
/* On a CPU with AVX2 and FMA, PyTorch's CPU kernels compute the two
 * moment updates as fused multiply-adds (add_ with alpha is
 * vec::fmadd (grad, 1-β1, exp_avg·β1), and addcmul_ fuses likewise), and
 * every other operation separately. Doing exactly that here makes a run
 * bit-identical to torch.optim.AdamW on such a CPU. */
#define FMA_TARGET __attribute__ ((target ("avx2,fma")))

FMA_TARGET static void
adamw_update_fma (float *restrict p, const float *restrict g,
                  float *restrict m, float *restrict v, gsize n,
                  float decay_factor, const AdamScalars *s)
{
  const __m256 b1 = _mm256_set1_ps (s->beta1), c1 = _mm256_set1_ps (s->one_minus_beta1);
  const __m256 b2 = _mm256_set1_ps (s->beta2), c2 = _mm256_set1_ps (s->one_minus_beta2);
  const __m256 step = _mm256_set1_ps (s->neg_step_size);
  const __m256 bc2 = _mm256_set1_ps (s->bias_correction2_sqrt), eps = _mm256_set1_ps (s->eps);
  const __m256 decay = _mm256_set1_ps (decay_factor);
  gsize k = 0;
  for (; k + 8 <= n; k += 8)
    {
      __m256 gk = _mm256_loadu_ps (g + k);
      __m256 mk = _mm256_fmadd_ps (gk, c1, _mm256_mul_ps (_mm256_loadu_ps (m + k), b1));
      __m256 vk = _mm256_fmadd_ps (_mm256_mul_ps (c2, gk), gk,
                                   _mm256_mul_ps (_mm256_loadu_ps (v + k), b2));
      _mm256_storeu_ps (m + k, mk);
      _mm256_storeu_ps (v + k, vk);
      __m256 denom = _mm256_add_ps (_mm256_div_ps (_mm256_sqrt_ps (vk), bc2), eps);
      __m256 pk = _mm256_mul_ps (_mm256_loadu_ps (p + k), decay);
      /* An empty asm keeps the compiler from fusing p·decay into the add
       * (gcc contracts across intrinsics); torch rounds it separately. */
      __asm__ ("" : "+x" (pk));
      _mm256_storeu_ps (p + k, _mm256_add_ps (pk, _mm256_div_ps (_mm256_mul_ps (step, mk), denom)));
    }
  for (; k < n; k++)
    {
      float gk = g[k];
      float mk = fmaf (gk, s->one_minus_beta1, m[k] * s->beta1);
      float vk = fmaf (s->one_minus_beta2 * gk, gk, v[k] * s->beta2);
      m[k] = mk;
      v[k] = vk;
      float denom = sqrtf (vk) / s->bias_correction2_sqrt + s->eps;
      float pk = p[k] * decay_factor;
      __asm__ ("" : "+x" (pk));
      p[k] = pk + s->neg_step_size * mk / denom;
    }
}
#endif

static void
adamw_update (float *restrict p, const float *restrict g,
              float *restrict m, float *restrict v, gsize n,
              float decay_factor, const AdamScalars *s)
{
#ifdef FOVEA_HAVE_X86_SIMD
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    {
      adamw_update_fma (p, g, m, v, n, decay_factor, s);
      return;
    }
#endif
  adamw_update_generic (p, g, m, v, n, decay_factor, s);
}

void
fovea_adamw_step (FoveaAdamW            *opt,
                  const FoveaTrainParam *params,
                  int                    n_params,
                  double                 lr)
{
  g_return_if_fail (opt != NULL);
  g_return_if_fail (n_params == opt->n_params);
  for (int i = 0; i < n_params; i++)
    g_return_if_fail (params[i].n == opt->n[i]);

  const FoveaAdamWConfig *c = &opt->config;
  opt->step++;
  double t = (double) opt->step;
  double bias_correction1 = 1.0 - pow (c->beta1, t);
  double bias_correction2 = 1.0 - pow (c->beta2, t);
  AdamScalars s = {
    .beta1 = (float) c->beta1,
    .one_minus_beta1 = (float) (1.0 - c->beta1),
    .beta2 = (float) c->beta2,
    .one_minus_beta2 = (float) (1.0 - c->beta2),
    .neg_step_size = (float) -(lr / bias_correction1),
    .bias_correction2_sqrt = (float) sqrt (bias_correction2),
    .eps = (float) c->eps,
  };
  float decay_factor = (float) (1.0 - lr * c->weight_decay);

  for (int i = 0; i < n_params; i++)
    {
      const FoveaTrainParam *p = &params[i];
      /* torch skips tensors without a gradient. */
      if (p->grad == NULL || p->n == 0)
        continue;
      adamw_update (p->value, p->grad, opt->m[i], opt->v[i], p->n,
                    p->decay ? decay_factor : 1.0f, &s);
    }
}

gint64
fovea_adamw_get_step (const FoveaAdamW *opt)
{
  g_return_val_if_fail (opt != NULL, 0);
  return opt->step;
}

void
fovea_adamw_set_step (FoveaAdamW *opt,
                      gint64      step)
{
  g_return_if_fail (opt != NULL && step >= 0);
  opt->step = step;
}

float *
fovea_adamw_get_m (FoveaAdamW *opt,
                   int         i)
{
  g_return_val_if_fail (opt != NULL && i >= 0 && i < opt->n_params, NULL);
  return opt->m[i];
}

float *
fovea_adamw_get_v (FoveaAdamW *opt,
                   int         i)
{
  g_return_val_if_fail (opt != NULL && i >= 0 && i < opt->n_params, NULL);
  return opt->v[i];
}

/* Warm-up: peak·(step+1)/warmup, so the first step already moves and step
 * warmup-1 reaches the peak. Then half a cosine over the remaining steps,
 * peak at step `warmup` and min_lr at step total-1 (clamped after it).
 * When the cosine phase has a single step or none there is nothing to
 * anneal and it stays at the peak. */
double
fovea_lr_schedule (double peak,
                   double min_lr,
                   gint64 step,
                   gint64 warmup,
                   gint64 total)
{
  if (step < 0)
    step = 0;
  if (step < warmup)
    return peak * (double) (step + 1) / (double) warmup;
  gint64 span = total - 1 - MAX (warmup, 0);
  if (span <= 0)
    return peak;
  double progress = MIN ((double) (step - MAX (warmup, 0)) / (double) span, 1.0);
  return min_lr + 0.5 * (peak - min_lr) * (1.0 + cos (G_PI * progress));
}

static double
sum_of_squares (const float *g, gsize n)
{
  double sq = 0;
#pragma omp simd reduction(+:sq)
  for (gsize k = 0; k < n; k++)
    sq += (double) g[k] * g[k];
  return sq;
}

/* A non-finite norm is returned with the gradients left as they are
 * (PyTorch would scale them all to NaN): the caller should skip the step. */
double
fovea_clip_grad_norm (const FoveaTrainParam *params,
                      int                    n_params,
                      double                 max_norm)
{
  g_return_val_if_fail (n_params >= 0 && (n_params == 0 || params != NULL), 0.0);

  double sq = 0;
  for (int i = 0; i < n_params; i++)
    if (params[i].grad)
      sq += sum_of_squares (params[i].grad, params[i].n);
  double norm = sqrt (sq);
  if (max_norm <= 0 || !isfinite (norm))
    return norm;

  double coef = max_norm / (norm + 1e-6);
  if (coef >= 1.0)
    return norm;
  float scale = (float) coef;
  for (int i = 0; i < n_params; i++)
    {
      float *g = params[i].grad;
      if (g == NULL)
        continue;
#pragma omp simd
      for (gsize k = 0; k < params[i].n; k++)
        g[k] *= scale;
    }
  return norm;
}
