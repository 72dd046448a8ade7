/* fovea-train-data.h: labelled images for training, and the augmentation
 * that turns one into a model input.
 *
 * Two sources:
 *   - a folder with labels.csv ("file,label" header, one row per image;
 *     file relative to the folder, label an integer class index ≥ 0);
 *     images are decoded with fovea_decode_file and preprocessed as at
 *     inference (FoveaPreprocess: fundus crop or timm's eval transform);
 *   - a MedMNIST-style .npz (a zip of .npy arrays, read with minizip):
 *     PATH.npz or PATH.npz:SPLIT, arrays SPLIT_images (N × H × W [× 3]
 *     uint8) and SPLIT_labels (N or N × 1, integer); SPLIT defaults to
 *     "train". Grey images are replicated to RGB.
 * PATH may also be a folder's labels.csv itself.
 * Every row and array is validated when the set is opened: a bad row is
 * an error naming the file and line, a missing image names the image,
 * and nothing is ever dropped silently.
 *
 * Augmentation is deterministic: sample i of epoch e with seed s always
 * gives the same tensor, whatever the order or thread it is loaded on. */
#pragma once

#include "fovea-image.h"
#include "fovea-preprocess.h"

G_BEGIN_DECLS

#define FOVEA_TRAIN_DATA_ERROR (fovea_train_data_error_quark ())

typedef enum {
  FOVEA_TRAIN_DATA_ERROR_LABELS,   /* a bad labels.csv (the message names the line) */
  FOVEA_TRAIN_DATA_ERROR_ARRAYS,   /* .npz arrays that do not make a labelled set */
  FOVEA_TRAIN_DATA_ERROR_EMPTY,    /* no samples */
  FOVEA_TRAIN_DATA_ERROR_INVALID,  /* bad settings, an index out of range, an unknown source */
} FoveaTrainDataError;

/* Labels must be below this (a class count, not a regression target). */
#define FOVEA_TRAIN_DATA_MAX_CLASSES 65536

typedef struct _FoveaTrainData FoveaTrainData;

GQuark          fovea_train_data_error_quark (void);

typedef struct {
  gboolean enabled;
  double   crop_scale_min;   /* random resized crop: area share, e.g. 0.7 … 1 */
  double   crop_ratio_max;   /* aspect ratio in [1/r, r], e.g. 4/3 */
  gboolean hflip, vflip;     /* each with probability 1/2 */
  gboolean rot90;            /* a random multiple of 90° */
  double   rotate_degrees;   /* a small rotation, uniform in ± this */
  double   brightness, contrast, saturation;  /* colour jitter factors, 0 = off */
} FoveaAugment;

/* A zero turns its step off (crop_scale_min 0: the whole image is
 * resized; crop_ratio_max 0 means 1). Sensible defaults for fundus
 * photographs (all of the above on): scale 0.7 … 1, ratio 3/4 … 4/3, both
 * flips, quarter turns, ±10°, jitter 0.2 each. */
void            fovea_augment_init_fundus   (FoveaAugment *aug);

FoveaTrainData *fovea_train_data_open       (const char        *path,
                                             GError           **error);

/* Where a labelled folder's rows, labels and images come from, when they
 * are not a plain "file,label" labels.csv beside the images (a data set's
 * own table with several columns, a recorded split). NULL members take
 * the defaults. */
typedef struct {
  const char        *labels_csv;    /* default: PATH/labels.csv */
  const char        *label_column;  /* default: "label" */
  const char *const *label_names;   /* class names, for labels written as names */
  const char        *split_csv;     /* "file,split" table; PATH must then be DIR:SPLIT */
  const char        *images_dir;    /* default: the folder of PATH */
} FoveaTrainDataSource;

/* As fovea_train_data_open, with a source: PATH may also be DIR:SPLIT,
 * keeping the rows of the split table's SPLIT (every image of the labels
 * must be in the split table, and the other way round). */
FoveaTrainData *fovea_train_data_open_source (const char                 *path,
                                              const FoveaTrainDataSource *source,
                                              GError                    **error);
void            fovea_train_data_free       (FoveaTrainData    *data);
int             fovea_train_data_get_n      (const FoveaTrainData *data);
/* Highest label + 1. */
int             fovea_train_data_get_n_classes (const FoveaTrainData *data);
int             fovea_train_data_get_label  (const FoveaTrainData *data,
                                             int                   index);
/* "images/a.png" for folders, "train[12]" for .npz: for messages. */
const char     *fovea_train_data_get_name   (const FoveaTrainData *data,
                                             int                   index);
/* What the set is, for a task card: "retinamnist_trainval.npz:train
 * (1080 images)". */
char           *fovea_train_data_describe   (const FoveaTrainData *data);

/* Loads image index as a model input into out (3 × pre->height ×
 * pre->width, normalised), augmented when aug is not NULL and enabled,
 * with a generator seeded from (seed, epoch, index). Thread-safe: several
 * threads may load from one set at once. Errors name the image.
 *
 * Without augmentation a folder's image goes through
 * fovea_preprocess_image exactly as at inference. An .npz image (already
 * cropped, e.g. 28 px MedMNIST) skips the FOV crop and the eval
 * transform's centre crop: it is resized straight to the input size with
 * pre->interpolation, when its size differs. With augmentation the 8-bit
 * RGB image (a folder's after the FOV square crop when pre->fundus_crop)
 * goes through the random resized crop to the input size, flips, quarter
 * turns, rotation and colour jitter, then is normalised. */
gboolean        fovea_train_data_load       (FoveaTrainData        *data,
                                             int                    index,
                                             const FoveaPreprocess *pre,
                                             const FoveaAugment    *aug,
                                             guint64                seed,
                                             int                    epoch,
                                             float                 *out,
                                             GError               **error);

/* The order of epoch's samples (n of them, into order): a permutation
 * shuffled from (seed, epoch); or, balanced, n draws with replacement
 * where every class is equally likely. */
void            fovea_train_data_epoch_order (const FoveaTrainData *data,
                                              guint64               seed,
                                              int                   epoch,
                                              gboolean              balanced,
                                              int                  *order);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaTrainData, fovea_train_data_free)

G_END_DECLS
