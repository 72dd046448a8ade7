/* fovea-resize.c: resizing a FoveaImage as PIL's Image.resize does.
 *
 * Like PIL, images with alpha are resampled premultiplied (so transparent
 * pixels do not bleed their colour into the edges), an axis whose size does
 * not change is not filtered at all, and a resize to the same size is a
 * plain copy. 8-bit images use PIL's fixed-point path; 16-bit images go
 * through floats with the same filter tables. */
#define G_LOG_DOMAIN "fovea-resize"

#include "fovea-resize.h"

#include "fovea-resize-passes.h"

gboolean
fovea_resize_filter_from_string (const char *name, FoveaResizeFilter *out_filter)
{
  g_return_val_if_fail (out_filter != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (name, "bilinear") == 0)
    *out_filter = FOVEA_RESIZE_BILINEAR;
  else if (g_ascii_strcasecmp (name, "bicubic") == 0)
    *out_filter = FOVEA_RESIZE_BICUBIC;
  else
    return FALSE;
  return TRUE;
}

static gboolean
check_request (const FoveaImage *src, int out_width, int out_height,
               FoveaResizeFilter filter, GError **error)
{
  if (src == NULL || src->data == NULL || src->width <= 0 || src->height <= 0 ||
      src->channels < 1 || src->channels > 4 ||
      (src->bit_depth != 8 && src->bit_depth != 16) ||
      src->stride < (gsize) src->width * fovea_image_bytes_per_pixel (src))
    {
      g_set_error_literal (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                           "Cannot resize: the source image is not valid");
      return FALSE;
    }
  if (out_width <= 0 || out_height <= 0)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "Cannot resize to %d×%d: both sizes must be positive",
                   out_width, out_height);
      return FALSE;
    }
  if (filter != FOVEA_RESIZE_BILINEAR && filter != FOVEA_RESIZE_BICUBIC)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "Cannot resize: unknown filter %d", (int) filter);
      return FALSE;
    }
  return TRUE;
}

static gpointer
try_alloc_array (gsize count, gsize item_size, GError **error)
{
  gpointer mem = g_try_malloc_n (count, item_size);
  if (mem == NULL)
    g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                 "Out of memory for a resampling buffer of %" G_GSIZE_FORMAT
                 " items", count);
  return mem;
}

/* ---- 8-bit: PIL's RGBA -> RGBa -> resize -> RGBA round trip ---- */

static inline guint8
mul_div_255 (guint v, guint alpha)
{
  guint t = v * alpha + 128;
  return (guint8) (((t >> 8) + t) >> 8);
}

static void
premultiply_u8 (const FoveaImage *src, FoveaImage *dst)
{
  int alpha_index = src->channels - 1;

  for (int y = 0; y < src->height; y++)
    {
      const guint8 *in = fovea_image_row (src, y);
      guint8 *out = fovea_image_row (dst, y);
      for (int x = 0; x < src->width; x++, in += src->channels, out += src->channels)
        {
          for (int c = 0; c < alpha_index; c++)
            out[c] = mul_div_255 (in[c], in[alpha_index]);
          out[alpha_index] = in[alpha_index];
        }
    }
}

/* PIL truncates here; matching it keeps the colours of translucent edges
 * identical. */
static void
unpremultiply_u8 (FoveaImage *image)
{
  int alpha_index = image->channels - 1;

  for (int y = 0; y < image->height; y++)
    {
      guint8 *p = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++, p += image->channels)
        {
          guint alpha = p[alpha_index];
          if (alpha == 0 || alpha == 255)
            continue;
          for (int c = 0; c < alpha_index; c++)
            p[c] = (guint8) MIN (255u, 255u * p[c] / alpha);
        }
    }
}

static FoveaImage *
resize_u8 (const FoveaImage *src, int out_width, int out_height,
           FoveaResizeFilter filter, GError **error)
{
  g_autoptr (FoveaImage) premultiplied = NULL;
  g_autoptr (FoveaImage) wide = NULL;
  g_autoptr (FoveaImage) result = NULL;
  const FoveaImage *image = src;

  if (fovea_image_has_alpha (src))
    {
      premultiplied = fovea_image_new (src->width, src->height, src->channels, 8, error);
      if (premultiplied == NULL)
        return NULL;
      premultiply_u8 (src, premultiplied);
      image = premultiplied;
    }

  if (out_width != image->width)
    {
      g_autoptr (FoveaResizeCoeffs) cx =
        fovea_resize_coeffs_new (image->width, out_width, filter, error);
      if (cx == NULL)
        return NULL;
      wide = fovea_image_new (out_width, image->height, image->channels, 8, error);
      if (wide == NULL)
        return NULL;
      fovea_resize_horizontal_u8 (image, wide, cx);
      image = wide;
    }

  if (out_height != image->height)
    {
      g_autoptr (FoveaResizeCoeffs) cy =
        fovea_resize_coeffs_new (image->height, out_height, filter, error);
      if (cy == NULL)
        return NULL;
      result = fovea_image_new (out_width, out_height, image->channels, 8, error);
      if (result == NULL)
        return NULL;
      g_autofree gint32 *scratch =
        try_alloc_array ((gsize) out_width * image->channels, sizeof (gint32), error);
      if (scratch == NULL)
        return NULL;
      fovea_resize_vertical_u8 (image, result, cy, scratch);
    }
  else
    {
      /* Only the width changed (the caller handles the same-size case). */
      result = g_steal_pointer (&wide);
    }

  if (fovea_image_has_alpha (result))
    unpremultiply_u8 (result);
  return g_steal_pointer (&result);
}

/* ---- 16-bit: premultiplied floats in 0..65535 ---- */

static void
load_float_premultiplied (const FoveaImage *src, float *dst)
{
  gboolean alpha = fovea_image_has_alpha (src);
  int alpha_index = src->channels - 1;

  for (int y = 0; y < src->height; y++)
    {
      const guint16 *in = fovea_image_row16 (src, y);
      for (int x = 0; x < src->width; x++, in += src->channels, dst += src->channels)
        {
          float scale = alpha ? in[alpha_index] / 65535.0f : 1.0f;
          for (int c = 0; c < src->channels; c++)
            dst[c] = in[c] * (alpha && c != alpha_index ? scale : 1.0f);
        }
    }
}

static guint16
round_u16 (float v)
{
  return (guint16) (CLAMP (v, 0.0f, 65535.0f) + 0.5f);
}

static void
store_u16_unpremultiplied (const float *src, FoveaImage *dst)
{
  gboolean alpha = fovea_image_has_alpha (dst);
  int alpha_index = dst->channels - 1;

  for (int y = 0; y < dst->height; y++)
    {
      guint16 *out = fovea_image_row16 (dst, y);
      for (int x = 0; x < dst->width; x++, out += dst->channels, src += dst->channels)
        {
          float a = alpha ? src[alpha_index] : 0.0f;
          float scale = a > 0.0f ? 65535.0f / a : 1.0f;
          for (int c = 0; c < dst->channels; c++)
            out[c] = round_u16 (src[c] * (alpha && c != alpha_index ? scale : 1.0f));
        }
    }
}

/* Clips the overshoot of the horizontal pass, as PIL's integer
 * intermediate image does, so 16-bit results agree with 8-bit ones. */
static void
clip_u16_range (float *samples, gsize n)
{
  for (gsize i = 0; i < n; i++)
    samples[i] = CLAMP (samples[i], 0.0f, 65535.0f);
}

static FoveaImage *
resize_u16 (const FoveaImage *src, int out_width, int out_height,
            FoveaResizeFilter filter, GError **error)
{
  int channels = src->channels;
  int width = src->width, height = src->height;

  g_autofree float *plane =
    try_alloc_array ((gsize) width * height * channels, sizeof (float), error);
  if (plane == NULL)
    return NULL;
  load_float_premultiplied (src, plane);

  if (out_width != width)
    {
      g_autoptr (FoveaResizeCoeffs) cx =
        fovea_resize_coeffs_new (width, out_width, filter, error);
      if (cx == NULL)
        return NULL;
      float *wide = try_alloc_array ((gsize) out_width * height * channels,
                                     sizeof (float), error);
      if (wide == NULL)
        return NULL;
      fovea_resize_horizontal_float (plane, wide, height, channels, cx);
      clip_u16_range (wide, (gsize) out_width * height * channels);
      g_free (plane);
      plane = wide;
      width = out_width;
    }

  if (out_height != height)
    {
      g_autoptr (FoveaResizeCoeffs) cy =
        fovea_resize_coeffs_new (height, out_height, filter, error);
      if (cy == NULL)
        return NULL;
      float *tall = try_alloc_array ((gsize) width * out_height * channels,
                                     sizeof (float), error);
      if (tall == NULL)
        return NULL;
      fovea_resize_vertical_float (plane, tall, (gsize) width * channels, cy);
      g_free (plane);
      plane = tall;
    }

  FoveaImage *result = fovea_image_new (out_width, out_height, channels, 16, error);
  if (result != NULL)
    store_u16_unpremultiplied (plane, result);
  return result;
}

FoveaImage *
fovea_resize (const FoveaImage *src, int out_width, int out_height,
              FoveaResizeFilter filter, GError **error)
{
  if (!check_request (src, out_width, out_height, filter, error))
    return NULL;

  if (out_width == src->width && out_height == src->height)
    {
      FoveaImage *copy = fovea_image_copy (src);
      if (copy == NULL)
        g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                     "Out of memory copying a %d×%d image", src->width, src->height);
      return copy;
    }

  if (src->bit_depth == 8)
    return resize_u8 (src, out_width, out_height, filter, error);
  return resize_u16 (src, out_width, out_height, filter, error);
}
