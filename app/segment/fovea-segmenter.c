/* fovea-segmenter.c: a segmentation model folder and the pipeline from a
 * decoded photograph to per-label maps at its own size (see the header). */
#define G_LOG_DOMAIN "fovea-segmenter"

#include "fovea-segmenter.h"

#include <math.h>
#include <string.h>

#include "fovea-model-error.h"
#include "fovea-preprocess.h"
#include "fovea-resize.h"
#include "fovea-seg-tiles.h"
#include "fovea-seg.h"

/* Neighbouring tiles share at least a quarter of a tile: with less
 * (an eighth) the seams of the blend showed as a faint cross. */
#define OVERLAP_DIVISOR 4

struct _FoveaSegmenter {
  char            *dir;
  FoveaSeg        *seg;
  FoveaSegRun     *run;
  FoveaTaskCard   *card;
  FoveaPreprocess  pre;
  int              tile, overlap;
};

static gboolean
check_card (const FoveaTaskCard *card, const FoveaSegConfig *config, const char *card_path,
            GError **error)
{
  if (card->kind != FOVEA_TASK_SEGMENTATION)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "%s: kind must be \"segmentation\" for a segmentation model", card_path);
      return FALSE;
    }
  guint n_labels = g_strv_length (card->labels);
  if (n_labels != (guint) config->classes)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "%s: labels has %u labels, but the model's config.json has %d classes",
                   card_path, n_labels, config->classes);
      return FALSE;
    }
  return TRUE;
}

FoveaSegmenter *
fovea_segmenter_load (const char *dir, int n_threads, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);

  g_autoptr (FoveaSegmenter) segmenter = g_new0 (FoveaSegmenter, 1);
  segmenter->dir = g_strdup (dir);
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  if (!g_file_test (card_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "%s: a segmentation model folder needs a task_card.json", dir);
      return NULL;
    }
  segmenter->card = fovea_task_card_load_file (card_path, error);
  if (segmenter->card == NULL)
    return NULL;
  segmenter->seg = fovea_seg_load (dir, FOVEA_CNN_LOAD_DEFAULT, error);
  if (segmenter->seg == NULL)
    return NULL;
  const FoveaSegConfig *config = fovea_seg_get_config (segmenter->seg);
  if (!check_card (segmenter->card, config, card_path, error))
    return NULL;

  fovea_preprocess_init_pretrained (&segmenter->pre, &config->pretrained, segmenter->card);
  /* The tile is the scale the model was trained at (input_size), rounded
   * up to the encoder's stride; the card may override it. */
  int side = MAX (segmenter->pre.height, segmenter->pre.width);
  segmenter->tile = MAX (FOVEA_SEG_STRIDE, (side + FOVEA_SEG_STRIDE - 1) / FOVEA_SEG_STRIDE
                                           * FOVEA_SEG_STRIDE);
  segmenter->overlap = segmenter->tile / OVERLAP_DIVISOR;
  segmenter->run = fovea_seg_run_new (segmenter->seg, 1, segmenter->tile, segmenter->tile,
                                      n_threads, error);
  if (segmenter->run == NULL)
    return NULL;
  return g_steal_pointer (&segmenter);
}

void
fovea_segmenter_free (FoveaSegmenter *segmenter)
{
  if (segmenter == NULL)
    return;
  fovea_seg_run_free (segmenter->run);
  fovea_seg_free (segmenter->seg);
  fovea_task_card_free (segmenter->card);
  g_free (segmenter->dir);
  g_free (segmenter);
}

const FoveaTaskCard *
fovea_segmenter_get_card (const FoveaSegmenter *segmenter)
{
  return segmenter->card;
}

const char *
fovea_segmenter_get_dir (const FoveaSegmenter *segmenter)
{
  return segmenter->dir;
}

int
fovea_segmenter_get_tile (const FoveaSegmenter *segmenter)
{
  return segmenter->tile;
}

int
fovea_segmenter_get_overlap (const FoveaSegmenter *segmenter)
{
  return segmenter->overlap;
}

void
fovea_segmentation_free (FoveaSegmentation *segmentation)
{
  if (segmentation == NULL)
    return;
  for (int i = 0; segmentation->maps != NULL && i < segmentation->n_labels; i++)
    fovea_image_free (segmentation->maps[i]);
  g_free (segmentation->maps);
  g_free (segmentation->fov_mask);
  g_free (segmentation);
}

/* The overlap for a side of size pixels: the fewest tiles that overlap
 * by at least min_overlap, spread so that the last one ends flush with
 * the edge, which makes them overlap as much as that many tiles can (a
 * 1200-pixel field in 512 tiles: 3 per side overlapping by 168, where a
 * fixed 128 would take 4). */
static int
spread_overlap (int size, int tile, int min_overlap)
{
  if (size <= tile)
    return min_overlap;
  int gaps = (size - tile + (tile - min_overlap) - 1) / (tile - min_overlap);
  int step = (size - tile + gaps - 1) / gaps;
  return tile - step;
}

/* Where the model looks: the image made 8-bit RGB, at model scale. With
 * fov_diameter, the FOV's square resized to it; (*left, *top) is where
 * that square lies in the image and *side its size there. */
static FoveaImage *
model_scale_image (const FoveaSegmenter *segmenter, const FoveaImage *image,
                   const FoveaFov *fov, int *left, int *top, int *side, GError **error)
{
  int diameter = segmenter->card->fov_diameter;
  if (diameter <= 0)
    {
      *left = *top = 0;
      *side = 0;
      return fovea_image_to_rgb8 (image);
    }
  g_autoptr (FoveaImage) square = fovea_fov_crop_square (image, fov, error);
  if (square == NULL)
    return NULL;
  /* fovea_fov_crop_square's placement: the square of side round (2r)
   * centred on the circle's centre. */
  *side = square->width;
  *left = (int) llround (fov->cx - *side / 2.0);
  *top = (int) llround (fov->cy - *side / 2.0);
  g_autoptr (FoveaImage) resized = fovea_resize (square, diameter, diameter,
                                                 segmenter->pre.interpolation, error);
  if (resized == NULL)
    return NULL;
  g_clear_pointer (&square, fovea_image_free);
  return fovea_image_to_rgb8 (resized);
}

/* One label's probabilities (model scale, w × h) to a 16-bit map of the
 * image's size: resized back to the FOV square (when there was one),
 * placed, and zeroed outside the FOV. */
static FoveaImage *
map_to_image (const float *plane, int w, int h, const FoveaSegmentation *result, int left,
              int top, int side, FoveaResizeFilter filter, GError **error)
{
  g_autoptr (FoveaImage) scaled = fovea_image_new (w, h, 1, 16, error);
  if (scaled == NULL)
    return NULL;
  for (int y = 0; y < h; y++)
    {
      guint16 *row = fovea_image_row16 (scaled, y);
      for (int x = 0; x < w; x++)
        {
          float p = plane[(gsize) y * w + x];
          row[x] = (guint16) lrintf (65535.0f * (isfinite (p) ? CLAMP (p, 0.0f, 1.0f) : 0.0f));
        }
    }
  if (side > 0 && side != w)
    {
      FoveaImage *back = fovea_resize (scaled, side, side, filter, error);
      if (back == NULL)
        return NULL;
      fovea_image_free (scaled);
      scaled = back;
    }

  g_autoptr (FoveaImage) map = fovea_image_new (result->width, result->height, 1, 16, error);
  if (map == NULL)
    return NULL;
  for (int y = 0; y < result->height; y++)
    {
      int sy = y - top;
      if (sy < 0 || sy >= scaled->height)
        continue;
      guint16 *row = fovea_image_row16 (map, y);
      const guint16 *src = fovea_image_row16 (scaled, sy);
      const guint8 *mask = result->fov_mask + (gsize) y * result->width;
      for (int x = 0; x < result->width; x++)
        {
          int sx = x - left;
          if (sx >= 0 && sx < scaled->width && mask[x])
            row[x] = src[sx];
        }
    }
  return g_steal_pointer (&map);
}

FoveaSegmentation *
fovea_segmenter_run (FoveaSegmenter *segmenter, const FoveaImage *image, GError **error)
{
  g_return_val_if_fail (segmenter != NULL && image != NULL, NULL);

  g_autoptr (FoveaSegmentation) result = g_new0 (FoveaSegmentation, 1);
  result->width = image->width;
  result->height = image->height;
  fovea_fov_detect (image, &result->fov);
  result->fov_mask = fovea_fov_mask_new (image, &result->fov);
  if (result->fov_mask == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for the field-of-view mask of a %d×%d image",
                   image->width, image->height);
      return NULL;
    }

  int left, top, side;
  g_autoptr (FoveaImage) rgb = model_scale_image (segmenter, image, &result->fov, &left, &top,
                                                  &side, error);
  if (rgb == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                     "Out of memory converting a %d×%d image to RGB", image->width,
                     image->height);
      return NULL;
    }

  int w = rgb->width, h = rgb->height;
  int classes = fovea_seg_get_config (segmenter->seg)->classes;
  gsize plane = (gsize) w * h;
  float *pixels = g_try_new (float, 3 * plane);
  float *probabilities = g_try_new (float, (gsize) classes * plane);
  if (pixels == NULL || probabilities == NULL)
    {
      g_free (pixels);
      g_free (probabilities);
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory segmenting a %d×%d image at model scale", w, h);
      return NULL;
    }
  fovea_preprocess_normalise_rgb8 (&segmenter->pre, rgb, pixels);
  g_clear_pointer (&rgb, fovea_image_free);
  int overlap = spread_overlap (MAX (w, h), segmenter->tile, segmenter->overlap);
  gboolean ok = fovea_seg_forward_tiled (segmenter->run, pixels, h, w, overlap, probabilities,
                                         error);
  g_free (pixels);
  /* pixels, probabilities and the tiler's weights (one float each). */
  result->model_scale_bytes = (3 + (gsize) classes + 1) * plane * sizeof (float) +
                              fovea_seg_run_get_memory_size (segmenter->run);
  if (!ok)
    {
      g_free (probabilities);
      return NULL;
    }

  result->n_labels = classes;
  result->maps = g_new0 (FoveaImage *, classes);
  for (int c = 0; c < classes; c++)
    {
      result->maps[c] = map_to_image (probabilities + (gsize) c * plane, w, h, result, left, top,
                                      side, FOVEA_RESIZE_BILINEAR, error);
      if (result->maps[c] == NULL)
        {
          g_free (probabilities);
          return NULL;
        }
    }
  g_free (probabilities);
  return g_steal_pointer (&result);
}
