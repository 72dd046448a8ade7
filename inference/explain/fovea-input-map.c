/* fovea-input-map.c: from the model input's coordinates back to the
 * image's. The sizes below are those fovea-preprocess.c computes (its
 * helpers are private to it); test-rollout.c checks against real
 * preprocessing that both agree. */
#define G_LOG_DOMAIN "fovea-input-map"

#include "fovea-input-map.h"

#include <math.h>

/* torchvision's Resize(int): the short side becomes size, the long one
 * int(size · long / short). */
static void
short_side_size (int width, int height, int size, int *out_width, int *out_height)
{
  int shorter = MIN (width, height), longer = MAX (width, height);
  int scaled = (int) ((double) ((gint64) size * longer) / shorter);
  *out_width = width <= height ? size : scaled;
  *out_height = width <= height ? scaled : size;
}

/* timm's ResizeKeepRatio, for a non-square input. */
static void
keep_ratio_size (int width, int height, int scale_h, int scale_w,
                 int *out_width, int *out_height)
{
  double ratio = MIN ((double) height / scale_h, (double) width / scale_w);
  *out_width = MAX (1, (int) rint (width / ratio));
  *out_height = MAX (1, (int) rint (height / ratio));
}

/* torchvision CenterCrop's offset (negative: padding before). */
static int
centre_crop_offset (int size, int crop)
{
  if (crop > size)
    return -((crop - size) / 2);
  return (int) rint ((size - crop) / 2.0);
}

/* The fundus route: the square of fovea_fov_crop_square, resized to the
 * input. */
static void
init_fundus (FoveaInputGeometry *geometry, const FoveaFov *fov)
{
  int side = (int) round (2.0 * fov->r);
  double left = (double) llround (fov->cx - side / 2.0);
  double top = (double) llround (fov->cy - side / 2.0);
  geometry->scale_x = (double) geometry->input_width / side;
  geometry->scale_y = (double) geometry->input_height / side;
  geometry->offset_x = -left * geometry->scale_x;
  geometry->offset_y = -top * geometry->scale_y;
}

/* timm's route: resize, then centre-crop. */
static void
init_eval (FoveaInputGeometry *geometry, const FoveaPreprocess *pre)
{
  int scale_h = (int) floor (pre->height / pre->crop_pct);
  int scale_w = (int) floor (pre->width / pre->crop_pct);
  int width, height;
  if (scale_h == scale_w)
    short_side_size (geometry->image_width, geometry->image_height, scale_h, &width, &height);
  else
    keep_ratio_size (geometry->image_width, geometry->image_height, scale_h, scale_w,
                     &width, &height);
  geometry->scale_x = (double) width / geometry->image_width;
  geometry->scale_y = (double) height / geometry->image_height;
  geometry->offset_x = -centre_crop_offset (width, pre->width);
  geometry->offset_y = -centre_crop_offset (height, pre->height);
}

void
fovea_input_geometry_init (FoveaInputGeometry *geometry, const FoveaPreprocess *pre,
                           int image_width, int image_height, const FoveaFov *fov)
{
  g_return_if_fail (geometry != NULL && pre != NULL);
  g_return_if_fail (image_width > 0 && image_height > 0);
  g_return_if_fail (!pre->fundus_crop || fov != NULL);

  geometry->image_width = image_width;
  geometry->image_height = image_height;
  geometry->input_width = pre->width;
  geometry->input_height = pre->height;
  if (pre->fundus_crop)
    init_fundus (geometry, fov);
  else
    init_eval (geometry, pre);
}

/* Where an output pixel's centre falls on one axis. */
typedef struct {
  gboolean inside;
  int      image_index;  /* the image pixel under the centre, for the mask */
  int      lo, hi;       /* the cells either side, clamped at the edges */
  float    weight;       /* of cell hi against cell lo */
} AxisSample;

/* Each of out_size pixels spread over image_size image pixels, taken to
 * the input axis and its cells. */
static void
sample_axis (int out_size, int image_size, double scale, double offset, int input_size,
             int cells, AxisSample *samples)
{
  for (int i = 0; i < out_size; i++)
    {
      double x = (i + 0.5) * image_size / out_size;
      double u = x * scale + offset;
      AxisSample *s = &samples[i];
      s->inside = u >= 0 && u < input_size;
      s->image_index = MIN ((int) x, image_size - 1);
      double cell = CLAMP (u * cells / input_size - 0.5, 0.0, cells - 1.0);
      s->lo = s->inside ? (int) cell : 0;
      s->hi = MIN (s->lo + 1, cells - 1);
      s->weight = s->inside ? (float) (cell - s->lo) : 0.0f;
    }
}

void
fovea_input_map_sample (const FoveaInputGeometry *geometry, const float *map,
                        int rows, int cols, const guint8 *mask,
                        int out_width, int out_height, float *out)
{
  g_return_if_fail (geometry != NULL && map != NULL && out != NULL);
  g_return_if_fail (rows > 0 && cols > 0 && out_width > 0 && out_height > 0);

  const FoveaInputGeometry *g = geometry;
  g_autofree AxisSample *xs = g_new (AxisSample, out_width);
  g_autofree AxisSample *ys = g_new (AxisSample, out_height);
  sample_axis (out_width, g->image_width, g->scale_x, g->offset_x, g->input_width, cols, xs);
  sample_axis (out_height, g->image_height, g->scale_y, g->offset_y, g->input_height, rows, ys);

  for (int y = 0; y < out_height; y++)
    {
      const AxisSample *sy = &ys[y];
      const float *top = map + (gsize) sy->lo * cols, *bottom = map + (gsize) sy->hi * cols;
      const guint8 *mask_row = mask != NULL ? mask + (gsize) sy->image_index * g->image_width
                                            : NULL;
      float *row = out + (gsize) y * out_width;
      for (int x = 0; x < out_width; x++)
        {
          const AxisSample *sx = &xs[x];
          if (!sy->inside || !sx->inside || (mask_row != NULL && !mask_row[sx->image_index]))
            {
              row[x] = 0.0f;
              continue;
            }
          float upper = top[sx->lo] + sx->weight * (top[sx->hi] - top[sx->lo]);
          float lower = bottom[sx->lo] + sx->weight * (bottom[sx->hi] - bottom[sx->lo]);
          row[x] = upper + sy->weight * (lower - upper);
        }
    }
}

float *
fovea_input_map_to_image (const FoveaPreprocess *pre, const FoveaImage *image,
                          const float *map, int rows, int cols, int max_side,
                          int *out_width, int *out_height, GError **error)
{
  g_return_val_if_fail (pre != NULL && image != NULL && map != NULL, NULL);
  g_return_val_if_fail (out_width != NULL && out_height != NULL, NULL);

  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (image);
  if (rgb == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory converting a %d×%d image to RGB",
                   image->width, image->height);
      return NULL;
    }
  FoveaFov fov;
  fovea_fov_detect (rgb, &fov);
  g_autofree guint8 *mask = fovea_fov_mask_new (rgb, &fov);

  FoveaInputGeometry geometry;
  fovea_input_geometry_init (&geometry, pre, image->width, image->height, &fov);
  int longer = MAX (image->width, image->height);
  double shrink = max_side > 0 && longer > max_side ? (double) max_side / longer : 1.0;
  int width = MAX (1, (int) round (image->width * shrink));
  int height = MAX (1, (int) round (image->height * shrink));
  float *out = g_try_malloc_n ((gsize) width * height, sizeof (float));
  if (out == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory for a %d×%d map", width, height);
      return NULL;
    }
  fovea_input_map_sample (&geometry, map, rows, cols, mask, width, height, out);
  *out_width = width;
  *out_height = height;
  return out;
}
