/* fovea-seg-data.h: a segmentation training set, in memory.
 *
 * A folder ROOT holds
 *   images/STEM.ext           the photographs (any format Fovea decodes)
 *   masks/LABEL/STEM.ext      one folder per label of the task card; any
 *                             non-zero pixel is positive; a missing mask
 *                             means the image has no such lesion (counted
 *                             and logged)
 *   fov/STEM.ext              optional field-of-view masks (else Fovea's
 *                             FOV detector, fovea-fov.h)
 * and a split table "file,split" (fovea_train_split_read) names each
 * image's part: train, val (or validation), held-out (or test). Images
 * the table does not list are left out (counted and logged); a row
 * naming an absent image is an error.
 *
 * Every image is resized once, at load, so that its field of view is
 * fov_diameter pixels across (the task card's; 0: kept at its size): the
 * photograph with PIL's bilinear filter (antialiased), each lesion mask
 * with an area maximum (an output pixel is positive when any source pixel
 * it covers is, so a two-pixel microaneurysm survives a reduction), the
 * FOV with the nearest source pixel. Everything is kept as bytes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FOVEA_SEG_SPLIT_TRAIN,
  FOVEA_SEG_SPLIT_VAL,
  FOVEA_SEG_SPLIT_HELD_OUT,
  FOVEA_SEG_N_SPLITS,
} FoveaSegSplit;

typedef struct {
  char          *stem;
  char          *file;        /* images/FILE's name, as the split table lists it */
  FoveaSegSplit  split;
  int            width, height;   /* after resizing */
  double         scale;           /* resized size / original size */
  guint8        *rgb;         /* height × width × 3 */
  guint8        *masks;       /* n_labels planes of height × width, 0 or 1 */
  guint8        *fov;         /* height × width, 0 or 1 */
  int            fov_box[4];  /* the FOV's bounding box: x0, y0, x1, y1 (exclusive) */
  /* Per label, the positive pixels (y · width + x), for patches centred
   * on a lesion. */
  GArray       **positives;   /* n_labels GArray of guint32 */
  gboolean      *has_mask;    /* per label: a mask file existed */
} FoveaSegSample;

typedef struct {
  int        n_labels;
  GStrv      labels;
  int        fov_diameter;
  GPtrArray *samples;         /* FoveaSegSample *, in file name order */
  int        n_missing[64];   /* per label, images without its mask */
  int        n_unlisted;      /* images the split table does not name */
} FoveaSegData;

#define FOVEA_SEG_DATA_MAX_LABELS 64

/* Reads root as above. labels: the card's (1 … 64). */
FoveaSegData *fovea_seg_data_load  (const char         *root,
                                    const char         *split_csv,
                                    const char *const  *labels,
                                    int                 fov_diameter,
                                    GError            **error);
void          fovea_seg_data_free  (FoveaSegData       *data);
/* How many samples are in split. */
int           fovea_seg_data_count (const FoveaSegData *data,
                                    FoveaSegSplit       split);
/* The samples of split, in order (owned by data; free the array). */
GPtrArray    *fovea_seg_data_split (const FoveaSegData *data,
                                    FoveaSegSplit       split);
const char   *fovea_seg_split_name (FoveaSegSplit       split);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegData, fovea_seg_data_free)

G_END_DECLS
