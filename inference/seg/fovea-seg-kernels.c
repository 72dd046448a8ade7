/* fovea-seg-kernels.c: upsampling with concatenation, and the heads'
 * activations (see the header). Rows of the output are spread over the
 * pool's threads; inside a row the copies are contiguous runs of
 * channels. */
#define G_LOG_DOMAIN "fovea-seg-kernels"

#include "fovea-seg-kernels.h"

#include <math.h>
#include <string.h>

typedef struct {
  float       *big;        /* out (forward), d_out (backward) */
  float       *small;      /* in (forward), d_in (backward) */
  float       *skip;
  int          h, w, channels, skip_channels;
  gboolean     accumulate_in, accumulate_skip;
} UpsampleJob;

/* One output row (item = image · 2h + row). */
static void
upsample_row (gpointer data, int item, int thread)
{
  const UpsampleJob *job = data;
  (void) thread;
  int row = item % (2 * job->h), image = item / (2 * job->h);
  int wide = 2 * job->w, width = job->channels + job->skip_channels;
  float *out = job->big + ((gsize) image * 2 * job->h + row) * wide * width;
  const float *in = job->small + (((gsize) image * job->h + row / 2) * job->w) * job->channels;
  const float *skip = job->skip == NULL ? NULL
    : job->skip + ((gsize) image * 2 * job->h + row) * wide * job->skip_channels;

  for (int x = 0; x < wide; x++)
    {
      memcpy (out + (gsize) x * width, in + (gsize) (x / 2) * job->channels,
              sizeof (float) * job->channels);
      if (skip != NULL)
        memcpy (out + (gsize) x * width + job->channels, skip + (gsize) x * job->skip_channels,
                sizeof (float) * job->skip_channels);
    }
}

void
fovea_upsample_concat_forward (FoveaPool *pool, float *out, const float *in, const float *skip,
                               int batch, int h, int w, int channels, int skip_channels)
{
  UpsampleJob job = { out, (float *) in, skip_channels > 0 ? (float *) skip : NULL,
                      h, w, channels, skip_channels, FALSE, FALSE };
  fovea_pool_run (pool, batch * 2 * h, upsample_row, &job);
}

/* One input row (item = image · h + row): its two output rows. */
static void
upsample_row_backward (gpointer data, int item, int thread)
{
  const UpsampleJob *job = data;
  (void) thread;
  int row = item % job->h, image = item / job->h;
  int wide = 2 * job->w, width = job->channels + job->skip_channels, c = job->channels;
  float *d_in = job->small == NULL ? NULL
                : job->small + ((gsize) image * job->h + row) * job->w * c;

  if (d_in != NULL && !job->accumulate_in)
    memset (d_in, 0, sizeof (float) * job->w * c);
  for (int dy = 0; dy < 2; dy++)
    {
      gsize out_row = (gsize) image * 2 * job->h + 2 * row + dy;
      const float *d_out = job->big + out_row * wide * width;
      for (int x = 0; x < wide; x++)
        {
          const float *g = d_out + (gsize) x * width;
          if (d_in != NULL)
            {
              float *d = d_in + (gsize) (x / 2) * c;
              for (int k = 0; k < c; k++)
                d[k] += g[k];
            }
          if (job->skip == NULL)
            continue;
          float *d_skip = job->skip + (out_row * wide + x) * job->skip_channels;
          if (job->accumulate_skip)
            for (int k = 0; k < job->skip_channels; k++)
              d_skip[k] += g[c + k];
          else
            memcpy (d_skip, g + c, sizeof (float) * job->skip_channels);
        }
    }
}

void
fovea_upsample_concat_backward (FoveaPool *pool, float *d_in, float *d_skip,
                                const float *d_out, int batch, int h, int w, int channels,
                                int skip_channels, gboolean accumulate_in,
                                gboolean accumulate_skip)
{
  UpsampleJob job = { (float *) d_out, d_in, skip_channels > 0 ? d_skip : NULL,
                      h, w, channels, skip_channels, accumulate_in, accumulate_skip };
  fovea_pool_run (pool, batch * h, upsample_row_backward, &job);
}

void
fovea_seg_sigmoid_planes (float *out, const float *logits, int batch, gsize pixels,
                          int classes)
{
  for (int n = 0; n < batch; n++)
    for (gsize p = 0; p < pixels; p++)
      {
        const float *z = logits + ((gsize) n * pixels + p) * classes;
        for (int c = 0; c < classes; c++)
          out[((gsize) n * classes + c) * pixels + p] = 1.0f / (1.0f + expf (-z[c]));
      }
}

void
fovea_seg_softmax_planes (float *out, const float *logits, int batch, gsize pixels,
                          int classes)
{
  for (int n = 0; n < batch; n++)
    for (gsize p = 0; p < pixels; p++)
      {
        const float *z = logits + ((gsize) n * pixels + p) * classes;
        float top = z[0], sum = 0.0f;
        for (int c = 1; c < classes; c++)
          top = fmaxf (top, z[c]);
        for (int c = 0; c < classes; c++)
          sum += expf (z[c] - top);
        for (int c = 0; c < classes; c++)
          out[((gsize) n * classes + c) * pixels + p] = expf (z[c] - top) / sum;
      }
}
