/* fovea-vit-posembed.c: the position embedding at another patch grid
 * than the one the weights were trained at.
 *
 * timm's resample_abs_pos_embed keeps the prefix rows (class and register
 * tokens) apart and resamples the patch grid with
 * F.interpolate(mode="bicubic", antialias=True, align_corners=False).
 * PyTorch's antialiased path is PIL's separable convolution (Keys cubic,
 * a = -0.5, support widened by the scale when shrinking), so PIL's filter
 * tables from fovea-resize-coeffs serve as they are: the test against
 * PyTorch fixtures at a larger and a smaller grid holds it to that. */
#define G_LOG_DOMAIN "fovea-vit-posembed"

#include "fovea-vit-private.h"

#include "fovea-resize-coeffs.h"

#include <string.h>

/* out[o] = Σ_j w[o][j] · in[first[o] + j] along one axis, where each
 * sample is a vector of dim channels, `stride` samples apart, and lines
 * lines of samples, `line_stride` apart, are done alike. */
static void
resample_axis (float *out, const float *in, const FoveaResizeCoeffs *coeffs,
               int lines, gsize in_line_stride, gsize out_line_stride,
               gsize stride, int dim)
{
  for (int l = 0; l < lines; l++)
    for (int o = 0; o < coeffs->out_size; o++)
      {
        float *dst = out + l * out_line_stride + (gsize) o * stride;
        const double *w = coeffs->weights + (gsize) o * coeffs->taps;

        memset (dst, 0, sizeof (float) * (gsize) dim);
        for (int j = 0; j < coeffs->count[o]; j++)
          {
            const float *src = in + l * in_line_stride +
                               (gsize) (coeffs->first[o] + j) * stride;
            for (int d = 0; d < dim; d++)
              dst[d] += (float) w[j] * src[d];
          }
      }
}

gboolean
fovea_vit_pos_embed_resample (const FoveaVit *vit, int grid_h, int grid_w,
                              float *out, GError **error)
{
  int dim = vit->config.embed_dim;
  int n_prefix = vit->config.no_embed_class ? 0 : vit->n_prefix;
  gsize prefix_floats = (gsize) n_prefix * dim;
  g_autoptr (GError) local = NULL;

  memcpy (out, vit->pos_embed, sizeof (float) * prefix_floats);

  g_autoptr (FoveaResizeCoeffs) rows = fovea_resize_coeffs_new (vit->grid_h, grid_h,
                                                                FOVEA_RESIZE_BICUBIC, &local);
  g_autoptr (FoveaResizeCoeffs) cols = NULL;
  if (rows != NULL)
    cols = fovea_resize_coeffs_new (vit->grid_w, grid_w, FOVEA_RESIZE_BICUBIC, &local);
  /* Horizontal pass first into old rows × new columns, then vertical. */
  g_autofree float *tmp = NULL;
  if (cols != NULL)
    tmp = g_try_new (float, (gsize) vit->grid_h * grid_w * dim);
  if (tmp == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Cannot resample the position embedding of %s from %d×%d to %d×%d: %s",
                   vit->weights_path, vit->grid_h, vit->grid_w, grid_h, grid_w,
                   local != NULL ? local->message : "out of memory");
      return FALSE;
    }

  gsize token = (gsize) dim;
  resample_axis (tmp, vit->pos_embed + prefix_floats, cols, vit->grid_h,
                 (gsize) vit->grid_w * token, (gsize) grid_w * token, token, dim);
  resample_axis (out + prefix_floats, tmp, rows, grid_w,
                 token, token, (gsize) grid_w * token, dim);
  return TRUE;
}
