/* fovea-augment.c: training augmentation on 8-bit RGB images.
 *
 * The steps follow torchvision's transforms so that a model trained here
 * sees what it would see in a PyTorch pipeline:
 *   - RandomResizedCrop: an area share uniform in [crop_scale_min, 1] and
 *     an aspect ratio log-uniform in [1/r, r]; 10 attempts, then the
 *     centre crop fallback; the crop is resized to the input size with the
 *     model's filter (PIL-exact, fovea_resize);
 *   - horizontal and vertical flips, each with probability 1/2;
 *   - k quarter turns counter-clockwise (np.rot90), k uniform in 0..3;
 *   - a rotation by an angle uniform in ±rotate_degrees about the centre,
 *     bilinear, with black outside the source (torchvision's fill=0; a
 *     fundus photograph is already on black);
 *   - ColorJitter in the fixed order brightness, contrast, saturation,
 *     each factor uniform in [max(0, 1 - x), 1 + x], blended as
 *     torchvision's _blend (grey weights 0.2989, 0.587, 0.114) but rounded
 *     to the nearest level instead of truncated.
 * Geometric steps after the crop work on the input-size image, which is
 * much cheaper than on a full-resolution photograph. A zero setting turns
 * its step off and draws no random numbers. */
#define G_LOG_DOMAIN "fovea-augment"

#include "fovea-augment-private.h"

#include <math.h>
#include <string.h>

#include "fovea-train-data.h"

#define RRC_ATTEMPTS 10
#define GREY_R 0.2989
#define GREY_G 0.587
#define GREY_B 0.114

void
fovea_augment_init_fundus (FoveaAugment *aug)
{
  g_return_if_fail (aug != NULL);
  *aug = (FoveaAugment) {
    .enabled = TRUE,
    .crop_scale_min = 0.7,
    .crop_ratio_max = 4.0 / 3.0,
    .hflip = TRUE,
    .vflip = TRUE,
    .rot90 = TRUE,
    .rotate_degrees = 10,
    .brightness = 0.2,
    .contrast = 0.2,
    .saturation = 0.2,
  };
}

gboolean
fovea_augment_check (const FoveaAugment *aug, GError **error)
{
  const double settings[] = { aug->crop_scale_min, aug->crop_ratio_max, aug->rotate_degrees,
                              aug->brightness, aug->contrast, aug->saturation };
  gboolean ok = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    ok = ok && isfinite (settings[i]) && settings[i] >= 0;
  ok = ok && aug->crop_scale_min <= 1 && aug->rotate_degrees <= 180 &&
       (aug->crop_ratio_max == 0 || aug->crop_ratio_max >= 1);
  if (!ok)
    g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                 "Invalid augmentation: crop scale %g (0 … 1), crop ratio %g (0 or ≥ 1), "
                 "rotation %g° (0 … 180), jitter %g, %g, %g (≥ 0)",
                 aug->crop_scale_min, aug->crop_ratio_max, aug->rotate_degrees,
                 aug->brightness, aug->contrast, aug->saturation);
  return ok;
}

/* ---- random resized crop ------------------------------------------------ */

typedef struct {
  int top, left, height, width;
} CropBox;

/* torchvision's RandomResizedCrop.get_params (Python's round() is
 * half-to-even, as rint). */
static CropBox
random_crop_box (const FoveaAugment *aug, int width, int height, FoveaTrainRng *rng)
{
  CropBox whole = { 0, 0, height, width };
  if (aug->crop_scale_min <= 0)
    return whole;
  double ratio_max = MAX (aug->crop_ratio_max, 1.0);
  double area = (double) width * height;
  double log_lo = log (1.0 / ratio_max), log_hi = log (ratio_max);
  for (int attempt = 0; attempt < RRC_ATTEMPTS; attempt++)
    {
      double target = area * fovea_train_rng_range (rng, aug->crop_scale_min, 1.0);
      double aspect = exp (fovea_train_rng_range (rng, log_lo, log_hi));
      int w = (int) rint (sqrt (target * aspect));
      int h = (int) rint (sqrt (target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height)
        {
          int top = (int) fovea_train_rng_below (rng, (guint64) (height - h + 1));
          int left = (int) fovea_train_rng_below (rng, (guint64) (width - w + 1));
          return (CropBox) { top, left, h, w };
        }
    }
  /* The fallback: a centre crop at the nearest allowed aspect ratio. */
  double in_ratio = (double) width / height;
  int w = width, h = height;
  if (in_ratio < 1.0 / ratio_max)
    h = (int) rint (w * ratio_max);
  else if (in_ratio > ratio_max)
    w = (int) rint (h * ratio_max);
  return (CropBox) { (height - h) / 2, (width - w) / 2, h, w };
}

static FoveaImage *
crop_image (const FoveaImage *rgb, CropBox box, GError **error)
{
  FoveaImage *out = fovea_image_new (box.width, box.height, 3, 8, error);
  if (out == NULL)
    return NULL;
  for (int y = 0; y < box.height; y++)
    memcpy (fovea_image_row (out, y), fovea_image_row (rgb, box.top + y) + 3 * box.left,
            (gsize) 3 * box.width);
  return out;
}

static FoveaImage *
resize_if_needed (FoveaImage *image, int width, int height, FoveaResizeFilter filter,
                  GError **error)
{
  if (image->width == width && image->height == height)
    return image;
  FoveaImage *resized = fovea_resize (image, width, height, filter, error);
  fovea_image_free (image);
  return resized;
}

/* ---- geometry ------------------------------------------------------------ */

static void
flip_horizontal (FoveaImage *image)
{
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int a = 0, b = image->width - 1; a < b; a++, b--)
        for (int c = 0; c < 3; c++)
          {
            guint8 t = row[3 * a + c];
            row[3 * a + c] = row[3 * b + c];
            row[3 * b + c] = t;
          }
    }
}

static void
flip_vertical (FoveaImage *image)
{
  gsize bytes = (gsize) 3 * image->width;
  g_autofree guint8 *tmp = g_malloc (bytes);
  for (int a = 0, b = image->height - 1; a < b; a++, b--)
    {
      memcpy (tmp, fovea_image_row (image, a), bytes);
      memcpy (fovea_image_row (image, a), fovea_image_row (image, b), bytes);
      memcpy (fovea_image_row (image, b), tmp, bytes);
    }
}

/* k quarter turns counter-clockwise, as np.rot90(image, k). */
static FoveaImage *
rotate_quarters (const FoveaImage *in, int k, GError **error)
{
  int w = in->width, h = in->height;
  FoveaImage *out = k % 2 ? fovea_image_new (h, w, 3, 8, error)
                          : fovea_image_new (w, h, 3, 8, error);
  if (out == NULL)
    return NULL;
  for (int oy = 0; oy < out->height; oy++)
    {
      guint8 *row = fovea_image_row (out, oy);
      for (int ox = 0; ox < out->width; ox++)
        {
          int ix = ox, iy = oy;
          if (k == 1)
            ix = w - 1 - oy, iy = ox;
          else if (k == 2)
            ix = w - 1 - ox, iy = h - 1 - oy;
          else if (k == 3)
            ix = oy, iy = h - 1 - ox;
          memcpy (row + 3 * ox, fovea_image_row (in, iy) + 3 * ix, 3);
        }
    }
  return out;
}

/* Bilinear sample at (x, y) in pixel-centre coordinates; black outside. */
static void
sample_bilinear (const FoveaImage *in, double x, double y, guint8 out[3])
{
  int x0 = (int) floor (x), y0 = (int) floor (y);
  double fx = x - x0, fy = y - y0;
  double acc[3] = { 0, 0, 0 };
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++)
      {
        int sx = x0 + dx, sy = y0 + dy;
        if (sx < 0 || sy < 0 || sx >= in->width || sy >= in->height)
          continue;
        double weight = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
        const guint8 *p = fovea_image_row (in, sy) + 3 * sx;
        for (int c = 0; c < 3; c++)
          acc[c] += weight * p[c];
      }
  for (int c = 0; c < 3; c++)
    out[c] = (guint8) CLAMP (lrint (acc[c]), 0, 255);
}

/* Rotates by degrees (counter-clockwise on screen) about the centre. */
static FoveaImage *
rotate_small (const FoveaImage *in, double degrees, GError **error)
{
  FoveaImage *out = fovea_image_new (in->width, in->height, 3, 8, error);
  if (out == NULL)
    return NULL;
  double theta = degrees * G_PI / 180.0;
  double cos_t = cos (theta), sin_t = sin (theta);
  double cx = (in->width - 1) / 2.0, cy = (in->height - 1) / 2.0;
  for (int y = 0; y < out->height; y++)
    {
      guint8 *row = fovea_image_row (out, y);
      for (int x = 0; x < out->width; x++)
        {
          /* The inverse map: where this output pixel comes from. */
          double dx = x - cx, dy = y - cy;
          sample_bilinear (in, cx + cos_t * dx - sin_t * dy, cy + sin_t * dx + cos_t * dy,
                           row + 3 * x);
        }
    }
  return out;
}

/* ---- colour ---------------------------------------------------------------- */

static guint8
to_level (double v)
{
  return (guint8) CLAMP (lrint (v), 0, 255);
}

static double
grey_of (const guint8 *p)
{
  return GREY_R * p[0] + GREY_G * p[1] + GREY_B * p[2];
}

static double
jitter_factor (FoveaTrainRng *rng, double x)
{
  return fovea_train_rng_range (rng, MAX (0.0, 1.0 - x), 1.0 + x);
}

/* out = factor · pixel + (1 - factor) · base, base a constant or each
 * pixel's grey (base < 0). */
static void
blend (FoveaImage *image, double factor, double base)
{
  for (int y = 0; y < image->height; y++)
    {
      guint8 *p = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++, p += 3)
        {
          double b = base >= 0 ? base : grey_of (p);
          for (int c = 0; c < 3; c++)
            p[c] = to_level (factor * p[c] + (1 - factor) * b);
        }
    }
}

static double
mean_grey (const FoveaImage *image)
{
  double sum = 0;
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *p = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++, p += 3)
        sum += grey_of (p);
    }
  return sum / ((double) image->width * image->height);
}

static void
colour_jitter (const FoveaAugment *aug, FoveaImage *image, FoveaTrainRng *rng)
{
  if (aug->brightness > 0)
    blend (image, jitter_factor (rng, aug->brightness), 0.0);
  if (aug->contrast > 0)
    {
      double factor = jitter_factor (rng, aug->contrast);
      blend (image, factor, mean_grey (image));
    }
  if (aug->saturation > 0)
    blend (image, jitter_factor (rng, aug->saturation), -1.0);
}

/* ---- the pipeline ---------------------------------------------------------- */

static FoveaImage *
replace (FoveaImage *old, FoveaImage *new_image)
{
  fovea_image_free (old);
  return new_image;
}

FoveaImage *
fovea_augment_apply (const FoveaAugment *aug, const FoveaImage *rgb, int width, int height,
                     FoveaResizeFilter filter, FoveaTrainRng *rng, GError **error)
{
  g_return_val_if_fail (rgb->channels == 3 && rgb->bit_depth == 8, NULL);

  CropBox box = random_crop_box (aug, rgb->width, rgb->height, rng);
  FoveaImage *image = crop_image (rgb, box, error);
  if (image != NULL)
    image = resize_if_needed (image, width, height, filter, error);
  if (image == NULL)
    return NULL;

  if (aug->hflip && fovea_train_rng_uniform (rng) < 0.5)
    flip_horizontal (image);
  if (aug->vflip && fovea_train_rng_uniform (rng) < 0.5)
    flip_vertical (image);
  if (aug->rot90)
    {
      int k = (int) fovea_train_rng_below (rng, 4);
      if (k != 0 && (image = replace (image, rotate_quarters (image, k, error))) == NULL)
        return NULL;
    }
  if (aug->rotate_degrees > 0)
    {
      double degrees = fovea_train_rng_range (rng, -aug->rotate_degrees, aug->rotate_degrees);
      if ((image = replace (image, rotate_small (image, degrees, error))) == NULL)
        return NULL;
    }
  colour_jitter (aug, image, rng);
  /* A quarter turn of a non-square input swapped its sides. */
  return resize_if_needed (image, width, height, filter, error);
}
