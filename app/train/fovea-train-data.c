/* fovea-train-data.c: a labelled training set, from a folder with
 * labels.csv or from a MedMNIST .npz, and the epoch order over it.
 *
 * Everything is read and checked when the set is opened; afterwards the
 * set is immutable, so any number of threads may load from it at once.
 * The .npz arrays are decoded into memory then (minizip handles are not
 * thread-safe, and MedMNIST sets are a few MB); a folder's images are
 * decoded when loaded. */
#define G_LOG_DOMAIN "fovea-train-data"

#include "fovea-train-data.h"

#include <math.h>
#include <string.h>

#include "fovea-augment-private.h"
#include "fovea-decode.h"
#include "fovea-fov.h"
#include "fovea-npz.h"
#include "fovea-train-labels.h"
#include "fovea-vit-config.h"

G_DEFINE_QUARK (fovea-train-data-error-quark, fovea_train_data_error)

struct _FoveaTrainData {
  char   *title;        /* "retinamnist_trainval.npz:train" or a folder's name */
  int     n, n_classes;
  int    *labels;
  GStrv   names;        /* per sample, for messages */

  char   *root;         /* a folder's path; NULL for an .npz */

  guint8 *pixels;       /* .npz: n × height × width × channels */
  int     width, height, channels;

  /* Balanced sampling: the samples of class k are
   * members[class_start[k] … class_start[k + 1]), and present[] lists
   * the classes with at least one sample. */
  int    *class_start, *members;
  int    *present, n_present;
};

void
fovea_train_data_free (FoveaTrainData *data)
{
  if (data == NULL)
    return;
  g_free (data->title);
  g_free (data->labels);
  g_strfreev (data->names);
  g_free (data->root);
  g_free (data->pixels);
  g_free (data->class_start);
  g_free (data->members);
  g_free (data->present);
  g_free (data);
}

/* Class counts and members, once labels are set. */
static void
index_classes (FoveaTrainData *data)
{
  data->n_classes = 0;
  for (int i = 0; i < data->n; i++)
    data->n_classes = MAX (data->n_classes, data->labels[i] + 1);
  int k_count = data->n_classes;
  data->class_start = g_new0 (int, k_count + 1);
  for (int i = 0; i < data->n; i++)
    data->class_start[data->labels[i] + 1]++;
  for (int k = 0; k < k_count; k++)
    data->class_start[k + 1] += data->class_start[k];
  data->members = g_new (int, MAX (data->n, 1));
  g_autofree int *next = g_memdup2 (data->class_start, sizeof (int) * (gsize) k_count);
  for (int i = 0; i < data->n; i++)
    data->members[next[data->labels[i]]++] = i;
  data->present = g_new (int, MAX (k_count, 1));
  for (int k = 0; k < k_count; k++)
    if (data->class_start[k + 1] > data->class_start[k])
      data->present[data->n_present++] = k;
}

/* ---- folders -------------------------------------------------------------- */

static FoveaTrainData *
open_folder (const char *root, const char *csv_path, const FoveaTrainLabelsQuery *query,
             const char *folder, GError **error)
{
  g_auto (GStrv) files = NULL;
  g_autoptr (GArray) labels = NULL;
  if (!fovea_train_labels_read (csv_path, root, query, &files, &labels, error))
    return NULL;
  if (labels->len > G_MAXINT / 2)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS,
                   "“%s”: too many rows", csv_path);
      return NULL;
    }
  FoveaTrainData *data = g_new0 (FoveaTrainData, 1);
  g_autofree char *name = g_path_get_basename (folder);
  /* The title says which rows and column: it goes into task cards and
   * into the trainer's fingerprint, so that a checkpoint of another
   * selection is never resumed. */
  if (query->split != NULL)
    data->title = g_strdup_printf ("%s:%s, column %s", name, query->split, query->label_column);
  else if (strcmp (query->label_column, "label") != 0)
    data->title = g_strdup_printf ("%s, column %s", name, query->label_column);
  else
    data->title = g_steal_pointer (&name);
  data->root = g_strdup (root);
  data->n = (int) labels->len;
  data->labels = g_memdup2 (labels->data, sizeof (int) * labels->len);
  data->names = g_steal_pointer (&files);
  index_classes (data);
  return data;
}

/* ---- .npz ------------------------------------------------------------------ */

static gboolean G_GNUC_PRINTF (3, 4)
arrays_error (GError **error, const char *path, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_ARRAYS,
               "“%s”: %s", path, detail);
  return FALSE;
}

/* SPLIT_images: N × H × W, N × H × W × 1 or N × H × W × 3, uint8. */
static gboolean
check_images (const FoveaNpyArray *images, const char *path, const char *name,
              GError **error)
{
  const FoveaNpyHeader *h = &images->header;
  if (h->type != FOVEA_NPY_U8)
    return arrays_error (error, path, "“%s” is %s, not uint8", name,
                         fovea_npy_type_to_string (h->type));
  gboolean shape_ok = (h->n_dims == 3 || (h->n_dims == 4 && (h->shape[3] == 1 ||
                                                            h->shape[3] == 3)));
  if (!shape_ok)
    return arrays_error (error, path, "“%s” is not N × H × W [× 1 or 3]", name);
  if (h->shape[0] == 0)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_EMPTY,
                   "“%s”: “%s” holds no images", path, name);
      return FALSE;
    }
  if (h->shape[0] > G_MAXINT / 2 || h->shape[1] == 0 || h->shape[2] == 0 ||
      h->shape[1] > 65535 || h->shape[2] > 65535)
    return arrays_error (error, path, "“%s” has unusable dimensions", name);
  return TRUE;
}

/* SPLIT_labels: N or N × 1 integers in 0 … FOVEA_TRAIN_DATA_MAX_CLASSES - 1. */
static int *
read_labels (const FoveaNpyArray *labels, guint64 n_images, const char *path,
             const char *name, GError **error)
{
  const FoveaNpyHeader *h = &labels->header;
  if (!(h->n_dims == 1 || (h->n_dims == 2 && h->shape[1] == 1)))
    return arrays_error (error, path, "“%s” is not N or N × 1", name), NULL;
  if (h->shape[0] != n_images)
    return arrays_error (error, path, "%" G_GUINT64_FORMAT " labels in “%s” for %"
                         G_GUINT64_FORMAT " images", h->shape[0], name, n_images), NULL;
  g_autofree int *out = g_new (int, n_images);
  for (guint64 i = 0; i < n_images; i++)
    {
      gint64 v = -1;
      gboolean ok = fovea_npy_array_get_int (labels, i, &v);
      if (!ok || v < 0 || v >= FOVEA_TRAIN_DATA_MAX_CLASSES)
        return arrays_error (error, path, "“%s”[%" G_GUINT64_FORMAT "] is %" G_GINT64_FORMAT
                             ", not a class index in 0 … %d", name, i, v,
                             FOVEA_TRAIN_DATA_MAX_CLASSES - 1), NULL;
      out[i] = (int) v;
    }
  return g_steal_pointer (&out);
}

static gboolean
valid_split (const char *split)
{
  if (split[0] == '\0')
    return FALSE;
  for (const char *p = split; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static FoveaTrainData *
open_npz (const char *path, const char *split, GError **error)
{
  if (!valid_split (split))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "“%s”: “%s” is not a split name (letters, digits, _)", path, split);
      return NULL;
    }
  g_autoptr (FoveaNpz) npz = fovea_npz_open (path, error);
  if (npz == NULL)
    return NULL;
  g_autofree char *images_name = g_strconcat (split, "_images", NULL);
  g_autofree char *labels_name = g_strconcat (split, "_labels", NULL);
  g_autoptr (FoveaNpyArray) images = fovea_npz_read_array (npz, images_name, error);
  if (images == NULL || !check_images (images, path, images_name, error))
    return NULL;
  g_autoptr (FoveaNpyArray) labels = fovea_npz_read_array (npz, labels_name, error);
  if (labels == NULL)
    return NULL;
  int *label_values = read_labels (labels, images->header.shape[0], path, labels_name, error);
  if (label_values == NULL)
    return NULL;

  FoveaTrainData *data = g_new0 (FoveaTrainData, 1);
  g_autofree char *base = g_path_get_basename (path);
  data->title = g_strdup_printf ("%s:%s", base, split);
  data->n = (int) images->header.shape[0];
  data->height = (int) images->header.shape[1];
  data->width = (int) images->header.shape[2];
  data->channels = images->header.n_dims == 4 ? (int) images->header.shape[3] : 1;
  data->pixels = g_steal_pointer (&images->data);
  data->labels = label_values;
  data->names = g_new0 (char *, data->n + 1);
  for (int i = 0; i < data->n; i++)
    data->names[i] = g_strdup_printf ("%s[%d]", split, i);
  index_classes (data);
  return data;
}

/* "DIR:SPLIT" → DIR and SPLIT, when DIR is a folder and the whole is not. */
static gboolean
split_suffix (const char *path, char **out_dir, char **out_split)
{
  const char *colon = strrchr (path, ':');
  if (colon == NULL || colon[1] == '\0' || strchr (colon, '/') != NULL ||
      g_file_test (path, G_FILE_TEST_EXISTS))
    return FALSE;
  g_autofree char *dir = g_strndup (path, (gsize) (colon - path));
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return FALSE;
  *out_dir = g_steal_pointer (&dir);
  *out_split = g_strdup (colon + 1);
  return TRUE;
}

static FoveaTrainData *
open_table (const char *path, const FoveaTrainDataSource *source, GError **error)
{
  g_autofree char *dir = NULL, *split = NULL;
  gboolean has_split = split_suffix (path, &dir, &split);
  if (!has_split)
    dir = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_strdup (path) : g_path_get_dirname (path);
  if (has_split && source->split_csv == NULL)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "“%s” names the split “%s”, but no split file was given", path, split);
      return NULL;
    }
  g_autofree char *csv = source->labels_csv != NULL ? g_strdup (source->labels_csv)
                       : g_file_test (dir, G_FILE_TEST_IS_DIR) && !g_str_has_suffix (path, ".csv")
                       ? g_build_filename (dir, "labels.csv", NULL) : g_strdup (path);
  if (!g_file_test (csv, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS,
                   "“%s” has no labels.csv", dir);
      return NULL;
    }
  g_autoptr (GHashTable) split_of = NULL;
  if (source->split_csv != NULL)
    {
      if (!has_split)
        {
          g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                       "With a split file, name the split: “%s:train”", path);
          return NULL;
        }
      split_of = fovea_train_split_read (source->split_csv, error);
      if (split_of == NULL)
        return NULL;
    }
  FoveaTrainLabelsQuery query = {
    source->label_column != NULL ? source->label_column : "label",
    source->label_names, split_of, split,
  };
  const char *root = source->images_dir != NULL ? source->images_dir : dir;
  return open_folder (root, csv, &query, dir, error);
}

FoveaTrainData *
fovea_train_data_open (const char *path, GError **error)
{
  return fovea_train_data_open_source (path, NULL, error);
}

FoveaTrainData *
fovea_train_data_open_source (const char *path, const FoveaTrainDataSource *source,
                              GError **error)
{
  static const FoveaTrainDataSource plain = { NULL, NULL, NULL, NULL, NULL };
  g_return_val_if_fail (path != NULL, NULL);
  if (source == NULL)
    source = &plain;

  if (g_str_has_suffix (path, ".npz"))
    return open_npz (path, "train", error);
  const char *colon = g_strrstr (path, ".npz:");
  if (colon != NULL)
    {
      g_autofree char *file = g_strndup (path, (gsize) (colon - path) + 4);
      return open_npz (file, colon + 5, error);
    }
  g_autofree char *dir = NULL, *split = NULL;
  if (g_file_test (path, G_FILE_TEST_IS_DIR) || g_str_has_suffix (path, ".csv") ||
      split_suffix (path, &dir, &split))
    return open_table (path, source, error);
  g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
               "“%s” is neither a folder with labels.csv nor an .npz file", path);
  return NULL;
}

int
fovea_train_data_get_n (const FoveaTrainData *data)
{
  return data->n;
}

int
fovea_train_data_get_n_classes (const FoveaTrainData *data)
{
  return data->n_classes;
}

int
fovea_train_data_get_label (const FoveaTrainData *data, int index)
{
  g_return_val_if_fail (index >= 0 && index < data->n, -1);
  return data->labels[index];
}

const char *
fovea_train_data_get_name (const FoveaTrainData *data, int index)
{
  g_return_val_if_fail (index >= 0 && index < data->n, NULL);
  return data->names[index];
}

char *
fovea_train_data_describe (const FoveaTrainData *data)
{
  return g_strdup_printf ("%s (%d images)", data->title, data->n);
}

/* ---- loading ---------------------------------------------------------------- */

static gboolean
check_preprocess (const FoveaPreprocess *pre, GError **error)
{
  gboolean ok = pre->height > 0 && pre->width > 0 && pre->height <= 16384 &&
                pre->width <= 16384;
  for (int c = 0; c < 3; c++)
    ok = ok && pre->std[c] > 0 && isfinite (pre->std[c]) && isfinite (pre->mean[c]);
  if (!ok)
    g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                 "Invalid preprocessing: input %d×%d, std (%g, %g, %g)", pre->width,
                 pre->height, pre->std[0], pre->std[1], pre->std[2]);
  return ok;
}

/* ToTensor and Normalize in float32, as torch (and fovea_preprocess_image)
 * compute them, of an RGB image of exactly the input size. */
static void
normalise (const FoveaPreprocess *pre, const FoveaImage *rgb, float *out)
{
  gsize plane = (gsize) pre->height * pre->width;
  for (int y = 0; y < pre->height; y++)
    {
      const guint8 *row = fovea_image_row (rgb, y);
      for (int x = 0; x < pre->width; x++)
        for (int c = 0; c < 3; c++)
          {
            float v = (float) row[3 * x + c] / 255.0f;
            out[c * plane + (gsize) y * pre->width + x] = (v - pre->mean[c]) / pre->std[c];
          }
    }
}

/* Sample index of an .npz as an 8-bit RGB image (grey replicated). */
static FoveaImage *
npz_image (const FoveaTrainData *data, int index, GError **error)
{
  FoveaImage *rgb = fovea_image_new (data->width, data->height, 3, 8, error);
  if (rgb == NULL)
    return NULL;
  gsize row_bytes = (gsize) data->width * data->channels;
  const guint8 *src = data->pixels + (gsize) index * data->height * row_bytes;
  for (int y = 0; y < data->height; y++, src += row_bytes)
    {
      guint8 *dst = fovea_image_row (rgb, y);
      for (int x = 0; x < data->width; x++)
        for (int c = 0; c < 3; c++)
          dst[3 * x + c] = src[x * data->channels + (data->channels == 3 ? c : 0)];
    }
  return rgb;
}

/* A folder's image decoded and made 8-bit RGB; after the FOV square crop
 * when the model's pipeline does that crop. */
static FoveaImage *
folder_image (const FoveaTrainData *data, int index, gboolean fundus_crop, GError **error)
{
  g_autofree char *path = g_build_filename (data->root, data->names[index], NULL);
  g_autoptr (FoveaImage) decoded = fovea_decode_file (path, NULL, NULL, error);
  if (decoded == NULL)
    return NULL;
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (decoded);
  if (rgb == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "“%s”: out of memory converting to RGB", path);
      return NULL;
    }
  if (!fundus_crop)
    return g_steal_pointer (&rgb);
  FoveaFov fov;
  fovea_fov_detect (rgb, &fov);
  return fovea_fov_crop_square (rgb, &fov, error);
}

static gboolean
load_plain (const FoveaTrainData *data, int index, const FoveaPreprocess *pre, float *out,
            GError **error)
{
  if (data->root != NULL)
    {
      /* Exactly the inference path. */
      g_autofree char *path = g_build_filename (data->root, data->names[index], NULL);
      g_autoptr (FoveaImage) decoded = fovea_decode_file (path, NULL, NULL, error);
      return decoded != NULL && fovea_preprocess_image (pre, decoded, out, error);
    }
  g_autoptr (FoveaImage) rgb = npz_image (data, index, error);
  if (rgb != NULL && (rgb->width != pre->width || rgb->height != pre->height))
    {
      FoveaImage *resized = fovea_resize (rgb, pre->width, pre->height, pre->interpolation,
                                          error);
      fovea_image_free (rgb);
      rgb = resized;
    }
  if (rgb == NULL)
    return FALSE;
  normalise (pre, rgb, out);
  return TRUE;
}

static gboolean
load_augmented (const FoveaTrainData *data, int index, const FoveaPreprocess *pre,
                const FoveaAugment *aug, guint64 seed, int epoch, float *out,
                GError **error)
{
  g_autoptr (FoveaImage) rgb = data->root != NULL
                               ? folder_image (data, index, pre->fundus_crop, error)
                               : npz_image (data, index, error);
  if (rgb == NULL)
    return FALSE;
  FoveaTrainRng rng;
  fovea_train_rng_seed (&rng, seed, FOVEA_TRAIN_RNG_AUGMENT, epoch, index);
  g_autoptr (FoveaImage) augmented = fovea_augment_apply (aug, rgb, pre->width, pre->height,
                                                          pre->interpolation, &rng, error);
  if (augmented == NULL)
    return FALSE;
  normalise (pre, augmented, out);
  return TRUE;
}

gboolean
fovea_train_data_load (FoveaTrainData *data, int index, const FoveaPreprocess *pre,
                       const FoveaAugment *aug, guint64 seed, int epoch, float *out,
                       GError **error)
{
  g_return_val_if_fail (data != NULL && pre != NULL && out != NULL, FALSE);

  if (index < 0 || index >= data->n)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID,
                   "%s: no sample %d (%d samples)", data->title, index, data->n);
      return FALSE;
    }
  if (!check_preprocess (pre, error))
    return FALSE;
  if (aug == NULL || !aug->enabled)
    return load_plain (data, index, pre, out, error);
  if (!fovea_augment_check (aug, error))
    return FALSE;
  return load_augmented (data, index, pre, aug, seed, epoch, out, error);
}

/* ---- epoch order ------------------------------------------------------------- */

void
fovea_train_data_epoch_order (const FoveaTrainData *data, guint64 seed, int epoch,
                              gboolean balanced, int *order)
{
  g_return_if_fail (data != NULL && order != NULL);

  FoveaTrainRng rng;
  fovea_train_rng_seed (&rng, seed, FOVEA_TRAIN_RNG_ORDER, epoch, balanced);
  if (balanced)
    {
      /* A uniform class among those present, then a uniform member. */
      for (int i = 0; i < data->n; i++)
        {
          int k = data->present[fovea_train_rng_below (&rng, (guint64) data->n_present)];
          int start = data->class_start[k], count = data->class_start[k + 1] - start;
          order[i] = data->members[start + (int) fovea_train_rng_below (&rng, (guint64) count)];
        }
      return;
    }
  /* Fisher–Yates. */
  for (int i = 0; i < data->n; i++)
    order[i] = i;
  for (int i = data->n - 1; i > 0; i--)
    {
      int j = (int) fovea_train_rng_below (&rng, (guint64) i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
}
