/* fovea-seg-data.c: reading a segmentation training set (images, a mask
 * folder per label, optional FOV masks, a split table) and resizing each
 * image once to the model's scale. */
#define G_LOG_DOMAIN "fovea-seg-data"

#include "fovea-seg-data.h"

#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-fov.h"
#include "fovea-resize.h"
#include "fovea-train-data.h"
#include "fovea-train-labels.h"

static const char *const split_names[FOVEA_SEG_N_SPLITS] = { "train", "val", "held-out" };

const char *
fovea_seg_split_name (FoveaSegSplit split)
{
  return split >= 0 && split < FOVEA_SEG_N_SPLITS ? split_names[split] : "?";
}

static gboolean
parse_split (const char *name, FoveaSegSplit *out)
{
  if (g_ascii_strcasecmp (name, "train") == 0)
    *out = FOVEA_SEG_SPLIT_TRAIN;
  else if (g_ascii_strcasecmp (name, "val") == 0 || g_ascii_strcasecmp (name, "validation") == 0)
    *out = FOVEA_SEG_SPLIT_VAL;
  else if (g_ascii_strcasecmp (name, "held-out") == 0 ||
           g_ascii_strcasecmp (name, "heldout") == 0 || g_ascii_strcasecmp (name, "test") == 0)
    *out = FOVEA_SEG_SPLIT_HELD_OUT;
  else
    return FALSE;
  return TRUE;
}

static void
sample_free (gpointer data)
{
  FoveaSegSample *s = data;
  g_free (s->stem);
  g_free (s->file);
  g_free (s->rgb);
  g_free (s->masks);
  g_free (s->fov);
  g_free (s->has_mask);
  for (int i = 0; s->positives != NULL && s->positives[i] != NULL; i++)
    g_array_unref (s->positives[i]);
  g_free (s->positives);
  g_free (s);
}

void
fovea_seg_data_free (FoveaSegData *data)
{
  if (data == NULL)
    return;
  g_strfreev (data->labels);
  if (data->samples != NULL)
    g_ptr_array_unref (data->samples);
  g_free (data);
}

static char *
stem_of (const char *name)
{
  const char *dot = strrchr (name, '.');
  return dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
}

/* The decodable files of dir, stem → file name; NULL with an error when
 * dir cannot be read. Two files of one stem are an error. */
static GHashTable *
list_stems (const char *dir, GError **error)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, error);
  if (handle == NULL)
    return NULL;
  g_autoptr (GHashTable) stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *name;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      if (!fovea_decode_is_supported_name (name))
        continue;
      g_autofree char *stem = stem_of (name);
      const char *other = g_hash_table_lookup (stems, stem);
      if (other != NULL)
        {
          g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                       "%s holds two files of the stem “%s”: %s and %s", dir, stem, other, name);
          return NULL;
        }
      g_hash_table_insert (stems, g_steal_pointer (&stem), g_strdup (name));
    }
  return g_steal_pointer (&stems);
}

/* A binary plane (non-zero in any colour channel) of the mask at path,
 * which must be width × height. */
static guint8 *
read_binary (const char *path, int width, int height, GError **error)
{
  g_autoptr (FoveaImage) decoded = fovea_decode_file (path, NULL, NULL, error);
  if (decoded == NULL)
    return NULL;
  if (decoded->width != width || decoded->height != height)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "%s is %d × %d pixels but its image is %d × %d", path, decoded->width,
                   decoded->height, width, height);
      return NULL;
    }
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (decoded);
  guint8 *plane = g_new (guint8, (gsize) width * height);
  for (int y = 0; y < height; y++)
    {
      const guint8 *row = fovea_image_row (rgb, y);
      for (int x = 0; x < width; x++)
        plane[(gsize) y * width + x] = (row[3 * x] | row[3 * x + 1] | row[3 * x + 2]) != 0;
    }
  return plane;
}

/* Source pixels [*lo, *hi) that output pixel i covers at scale s (output
 * / source), at least one. */
static void
source_span (int i, double s, int n_src, int *lo, int *hi)
{
  *lo = CLAMP ((int) floor (i / s + 1e-9), 0, n_src - 1);
  *hi = CLAMP ((int) ceil ((i + 1) / s - 1e-9), *lo + 1, n_src);
}

/* Area maximum: an output pixel is 1 when any source pixel it covers is
 * (separable: rows, then columns). */
static guint8 *
resize_max (const guint8 *src, int w, int h, int out_w, int out_h)
{
  double sx = (double) out_w / w, sy = (double) out_h / h;
  g_autofree guint8 *rows = g_new (guint8, (gsize) h * out_w);
  for (int x = 0; x < out_w; x++)
    {
      int lo, hi;
      source_span (x, sx, w, &lo, &hi);
      for (int y = 0; y < h; y++)
        {
          guint8 v = 0;
          for (int k = lo; k < hi; k++)
            v |= src[(gsize) y * w + k];
          rows[(gsize) y * out_w + x] = v;
        }
    }
  guint8 *out = g_new (guint8, (gsize) out_h * out_w);
  for (int y = 0; y < out_h; y++)
    {
      int lo, hi;
      source_span (y, sy, h, &lo, &hi);
      for (int x = 0; x < out_w; x++)
        {
          guint8 v = 0;
          for (int k = lo; k < hi; k++)
            v |= rows[(gsize) k * out_w + x];
          out[(gsize) y * out_w + x] = v;
        }
    }
  return out;
}

/* The nearest source pixel (by centres). */
static guint8 *
resize_nearest (const guint8 *src, int w, int h, int out_w, int out_h)
{
  guint8 *out = g_new (guint8, (gsize) out_h * out_w);
  for (int y = 0; y < out_h; y++)
    {
      int sy = CLAMP ((int) floor ((y + 0.5) * h / out_h), 0, h - 1);
      for (int x = 0; x < out_w; x++)
        {
          int sx = CLAMP ((int) floor ((x + 0.5) * w / out_w), 0, w - 1);
          out[(gsize) y * out_w + x] = src[(gsize) sy * w + sx];
        }
    }
  return out;
}

/* The bounding box of the non-zero pixels; FALSE when there are none. */
static gboolean
bounding_box (const guint8 *plane, int w, int h, int box[4])
{
  box[0] = w, box[1] = h, box[2] = 0, box[3] = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (plane[(gsize) y * w + x])
        {
          box[0] = MIN (box[0], x), box[1] = MIN (box[1], y);
          box[2] = MAX (box[2], x + 1), box[3] = MAX (box[3], y + 1);
        }
  return box[2] > box[0];
}

typedef struct {
  const char   *root;
  FoveaSegData *data;
  GHashTable  **mask_stems;   /* per label */
  GHashTable   *fov_stems;    /* NULL: no fov/ folder */
} Loader;

static gboolean
load_sample (Loader *l, FoveaSegSample *s, GError **error)
{
  FoveaSegData *data = l->data;
  g_autofree char *path = g_build_filename (l->root, "images", s->file, NULL);
  g_autoptr (FoveaImage) decoded = fovea_decode_file (path, NULL, NULL, error);
  if (decoded == NULL)
    return FALSE;
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (decoded);
  int w = rgb->width, h = rgb->height;

  g_autofree guint8 *fov = NULL;
  const char *fov_file = l->fov_stems != NULL ? g_hash_table_lookup (l->fov_stems, s->stem)
                                              : NULL;
  g_autofree char *fov_path = NULL;
  if (fov_file != NULL)
    {
      fov_path = g_build_filename (l->root, "fov", fov_file, NULL);
      if ((fov = read_binary (fov_path, w, h, error)) == NULL)
        return FALSE;
    }
  else
    {
      FoveaFov found;
      fovea_fov_detect (rgb, &found);
      fov = fovea_fov_mask_new (rgb, &found);
    }
  int box[4];
  if (!bounding_box (fov, w, h, box))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "%s: the field of view is empty", fov_path != NULL ? fov_path : path);
      return FALSE;
    }
  int diameter = MAX (box[2] - box[0], box[3] - box[1]);
  s->scale = data->fov_diameter > 0 ? (double) data->fov_diameter / diameter : 1.0;
  s->width = MAX (1, (int) lround (w * s->scale));
  s->height = MAX (1, (int) lround (h * s->scale));

  gsize plane = (gsize) s->width * s->height;
  if (s->width == w && s->height == h)
    s->rgb = g_new (guint8, plane * 3);
  else
    {
      g_autoptr (FoveaImage) small = fovea_resize (rgb, s->width, s->height,
                                                   FOVEA_RESIZE_BILINEAR, error);
      if (small == NULL)
        return FALSE;
      g_clear_pointer (&rgb, fovea_image_free);
      rgb = g_steal_pointer (&small);
      s->rgb = g_new (guint8, plane * 3);
    }
  for (int y = 0; y < s->height; y++)
    memcpy (s->rgb + (gsize) y * s->width * 3, fovea_image_row (rgb, y), (gsize) s->width * 3);
  s->fov = resize_nearest (fov, w, h, s->width, s->height);
  if (!bounding_box (s->fov, s->width, s->height, s->fov_box))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "%s: the field of view vanishes at %d × %d pixels", path, s->width,
                   s->height);
      return FALSE;
    }

  s->masks = g_new0 (guint8, plane * data->n_labels);
  s->has_mask = g_new0 (gboolean, data->n_labels);
  s->positives = g_new0 (GArray *, data->n_labels + 1);
  for (int c = 0; c < data->n_labels; c++)
    {
      s->positives[c] = g_array_new (FALSE, FALSE, sizeof (guint32));
      const char *file = g_hash_table_lookup (l->mask_stems[c], s->stem);
      if (file == NULL)
        {
          data->n_missing[c]++;
          continue;
        }
      g_autofree char *mask_path = g_build_filename (l->root, "masks", data->labels[c], file,
                                                     NULL);
      g_autofree guint8 *mask = read_binary (mask_path, w, h, error);
      if (mask == NULL)
        return FALSE;
      g_autofree guint8 *small = resize_max (mask, w, h, s->width, s->height);
      guint8 *out = s->masks + plane * c;
      memcpy (out, small, plane);
      s->has_mask[c] = TRUE;
      for (guint32 i = 0; i < plane; i++)
        if (out[i] && s->fov[i])
          g_array_append_val (s->positives[c], i);
    }
  return TRUE;
}

static gint
compare_samples (gconstpointer a, gconstpointer b)
{
  const FoveaSegSample *const *x = a, *const *y = b;
  return strcmp ((*x)->file, (*y)->file);
}

static void
free_stems (GHashTable **stems, int n)
{
  for (int i = 0; stems != NULL && i < n; i++)
    if (stems[i] != NULL)
      g_hash_table_unref (stems[i]);
  g_free (stems);
}

FoveaSegData *
fovea_seg_data_load (const char *root, const char *split_csv, const char *const *labels,
                     int fov_diameter, GError **error)
{
  g_return_val_if_fail (root != NULL && split_csv != NULL && labels != NULL, NULL);

  int n_labels = (int) g_strv_length ((GStrv) labels);
  if (n_labels < 1 || n_labels > FOVEA_SEG_DATA_MAX_LABELS || fov_diameter < 0)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "A segmentation set needs 1 to %d labels (got %d) and a FOV diameter ≥ 0",
                   FOVEA_SEG_DATA_MAX_LABELS, n_labels);
      return NULL;
    }
  g_autofree char *images_dir = g_build_filename (root, "images", NULL);
  if (!g_file_test (images_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "%s has no images/ folder (the photographs: images/STEM.ext)", root);
      return NULL;
    }
  g_autoptr (GHashTable) images = list_stems (images_dir, error);
  if (images == NULL)
    return NULL;

  g_autoptr (FoveaSegData) data = g_new0 (FoveaSegData, 1);
  data->n_labels = n_labels;
  data->labels = g_strdupv ((GStrv) labels);
  data->fov_diameter = fov_diameter;
  data->samples = g_ptr_array_new_with_free_func (sample_free);

  Loader l = { root, data, g_new0 (GHashTable *, n_labels), NULL };
  gboolean ok = TRUE;
  for (int c = 0; ok && c < n_labels; c++)
    {
      g_autofree char *dir = g_build_filename (root, "masks", labels[c], NULL);
      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                       "%s has no folder for the label “%s” (masks/%s/STEM.ext)", root,
                       labels[c], labels[c]);
          ok = FALSE;
        }
      else
        ok = (l.mask_stems[c] = list_stems (dir, error)) != NULL;
    }
  g_autofree char *fov_dir = g_build_filename (root, "fov", NULL);
  if (ok && g_file_test (fov_dir, G_FILE_TEST_IS_DIR))
    ok = (l.fov_stems = list_stems (fov_dir, error)) != NULL;

  g_autoptr (GHashTable) split_of = ok ? fovea_train_split_read (split_csv, error) : NULL;
  ok = ok && split_of != NULL;

  /* Every row must name an image; the images decide the order. */
  if (ok)
    {
      GHashTableIter iter;
      gpointer key, value;
      g_autoptr (GHashTable) files = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_iter_init (&iter, images);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_add (files, value);
      g_hash_table_iter_init (&iter, split_of);
      while (ok && g_hash_table_iter_next (&iter, &key, &value))
        {
          FoveaSegSplit split;
          if (!g_hash_table_contains (files, key))
            {
              g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                           "%s lists “%s”, which is not in %s", split_csv, (char *) key,
                           images_dir);
              ok = FALSE;
            }
          else if (!parse_split (value, &split))
            {
              g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                           "%s: “%s” has the split “%s” (train, val or held-out)", split_csv,
                           (char *) key, (char *) value);
              ok = FALSE;
            }
          else
            {
              FoveaSegSample *s = g_new0 (FoveaSegSample, 1);
              s->file = g_strdup (key);
              s->stem = stem_of (key);
              s->split = split;
              g_ptr_array_add (data->samples, s);
            }
        }
      data->n_unlisted = (int) g_hash_table_size (images) - (int) data->samples->len;
    }
  if (ok)
    {
      g_ptr_array_sort (data->samples, compare_samples);
      for (guint i = 0; ok && i < data->samples->len; i++)
        ok = load_sample (&l, data->samples->pdata[i], error);
    }
  free_stems (l.mask_stems, n_labels);
  if (l.fov_stems != NULL)
    g_hash_table_unref (l.fov_stems);
  if (!ok)
    return NULL;

  for (int c = 0; c < n_labels; c++)
    if (data->n_missing[c] > 0)
      g_message ("%s: %d of %u images have no %s mask (taken as free of it)", root,
                 data->n_missing[c], data->samples->len, labels[c]);
  if (data->n_unlisted > 0)
    g_message ("%s: %d images are not in %s and are left out", root, data->n_unlisted,
               split_csv);
  return g_steal_pointer (&data);
}

int
fovea_seg_data_count (const FoveaSegData *data, FoveaSegSplit split)
{
  int n = 0;
  for (guint i = 0; i < data->samples->len; i++)
    n += ((FoveaSegSample *) data->samples->pdata[i])->split == split;
  return n;
}

GPtrArray *
fovea_seg_data_split (const FoveaSegData *data, FoveaSegSplit split)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < data->samples->len; i++)
    if (((FoveaSegSample *) data->samples->pdata[i])->split == split)
      g_ptr_array_add (out, data->samples->pdata[i]);
  return out;
}
