/* fuzz-npz.c: the training data's parsers of untrusted files. The first
 * byte chooses one (its value modulo 3):
 *   0  a .npy header (fovea_npy_parse_header), the rest being the file;
 *   1  a whole .npz, opened as a training set and every sample loaded;
 *   2  a labels.csv, in a folder holding a.png and b/c.png;
 *   3  a split table (file,split) for a fixed labels table of that folder
 *      whose labels are class names, opened as DIR:train.
 * The files go through a temporary folder, made once.
 * The seeds in corpus/npz/ carry that byte. */
#include "fuzz-target.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "fovea-npz.h"
#include "fovea-train-data.h"

enum { PARSE_NPY, PARSE_NPZ, PARSE_LABELS, PARSE_SPLIT, N_PARSERS };

static volatile float sink;
static char *work_dir;

static void
remove_work_dir (void)
{
  const char *names[] = { "x.npz", "labels.csv", "table.csv", "split.csv", "a.png", "b/c.png",
                          "b", NULL };
  for (int i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (work_dir, names[i], NULL);
      g_remove (path);
    }
  g_rmdir (work_dir);
}

static const char *
get_work_dir (void)
{
  if (work_dir != NULL)
    return work_dir;
  work_dir = g_dir_make_tmp ("fovea-fuzz-npz-XXXXXX", NULL);
  if (work_dir == NULL)
    __builtin_trap ();
  g_autofree char *sub = g_build_filename (work_dir, "b", NULL);
  g_mkdir (sub, 0700);
  const char *images[] = { "a.png", "b/c.png" };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (work_dir, images[i], NULL);
      g_file_set_contents (path, "not decoded while opening", -1, NULL);
    }
  atexit (remove_work_dir);
  return work_dir;
}

static void
fuzz_npy (const uint8_t *data, size_t size)
{
  FoveaNpyHeader header;
  GError *error = NULL;
  gboolean ok = fovea_npy_parse_header (data, size, size, "fuzz", &header, &error);
  if (ok == (error != NULL) ||
      (ok && (header.header_size > size ||
              header.n_elements * header.item_size != size - header.header_size)))
    __builtin_trap ();
  g_clear_error (&error);
}

static void
check_set (FoveaTrainData *set, GError *error, gboolean load)
{
  if ((set == NULL) == (error == NULL))
    __builtin_trap ();
  g_clear_error (&error);
  if (set == NULL)
    return;
  int n = fovea_train_data_get_n (set);
  if (n < 1 || fovea_train_data_get_n_classes (set) < 1)
    __builtin_trap ();
  FoveaPreprocess pre = { .height = 4, .width = 4, .crop_pct = 1,
                          .mean = { 0, 0, 0 }, .std = { 1, 1, 1 } };
  FoveaAugment aug;
  fovea_augment_init_fundus (&aug);
  float out[3 * 4 * 4];
  g_autofree int *order = g_new (int, n);
  fovea_train_data_epoch_order (set, 1, 0, TRUE, order);
  for (int i = 0; i < n; i++)
    {
      int label = fovea_train_data_get_label (set, order[i]);
      if (label < 0 || label >= fovea_train_data_get_n_classes (set))
        __builtin_trap ();
      if (load && i < 64)
        {
          for (int a = 0; a < 2; a++)
            if (!fovea_train_data_load (set, i, &pre, a ? &aug : NULL, 1, 0, out, NULL))
              __builtin_trap ();
          sink = out[0];
        }
    }
  fovea_train_data_free (set);
}

static void
fuzz_file (const char *name, const uint8_t *data, size_t size, gboolean load)
{
  g_autofree char *path = g_build_filename (get_work_dir (), name, NULL);
  if (!g_file_set_contents (path, (const char *) data, (gssize) size, NULL))
    __builtin_trap ();
  GError *error = NULL;
  /* A labels.csv is opened through its folder. */
  FoveaTrainData *set = fovea_train_data_open (load ? path : get_work_dir (), &error);
  check_set (set, error, load);
}

static void
fuzz_split (const uint8_t *data, size_t size)
{
  static const char *const names[] = { "dull", "bright", NULL };
  g_autofree char *table = g_build_filename (get_work_dir (), "table.csv", NULL);
  g_autofree char *split = g_build_filename (get_work_dir (), "split.csv", NULL);
  if (!g_file_set_contents (table, "file,site,look\na.png,1,Dull\nb/c.png,2,bright\n", -1, NULL) ||
      !g_file_set_contents (split, (const char *) data, (gssize) size, NULL))
    __builtin_trap ();
  FoveaTrainDataSource source = { table, "look", names, split, NULL };
  g_autofree char *path = g_strconcat (get_work_dir (), ":train", NULL);
  GError *error = NULL;
  FoveaTrainData *set = fovea_train_data_open_source (path, &source, &error);
  check_set (set, error, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  switch (data[0] % N_PARSERS)
    {
    case PARSE_NPY:
      fuzz_npy (data + 1, size - 1);
      break;
    case PARSE_NPZ:
      fuzz_file ("x.npz", data + 1, size - 1, TRUE);
      break;
    case PARSE_LABELS:
      fuzz_file ("labels.csv", data + 1, size - 1, FALSE);
      break;
    default:
      fuzz_split (data + 1, size - 1);
      break;
    }
  return 0;
}
