/* fovea-segmenter.h: a segmentation model folder, loaded, and what it
 * makes of one decoded photograph: a probability map per label at the
 * image's own size, zero outside the field of view.
 *
 * A model folder holds config.json (smp's hub config, fovea-seg-config.h),
 * model.safetensors (smp's tensor names) and task_card.json (kind
 * "segmentation", one label per class of the config, in order).
 *
 * The pipeline (fovea_segmenter_run):
 *   1. the field of view is detected (fovea-fov.h) and its mask made;
 *   2. with the card's fov_diameter D > 0, the square around the FOV is
 *      cropped (fovea_fov_crop_square) and resized to D × D with the
 *      model's filter, so vessels and lesions are at the scale the model
 *      was trained at; with D = 0 the image is segmented as it is;
 *   3. made 8-bit RGB and normalised with the model's mean and std
 *      (pretrained_cfg, then the card's overrides: fovea-preprocess.h);
 *   4. segmented by tiles of the model's input size overlapping by at
 *      least a quarter (fovea_seg_forward_tiled), so the activation arena
 *      is one tile's;
 *   5. each label's probabilities are written as 16-bit (0..65535 for
 *      0..1), resized back to the FOV square's size, placed where that
 *      square lies in the image, and zeroed outside the FOV mask. */
#pragma once

#include "fovea-fov.h"
#include "fovea-image.h"
#include "fovea-task-card.h"

G_BEGIN_DECLS

typedef struct _FoveaSegmenter FoveaSegmenter;

/* What one photograph gave. */
typedef struct {
  int          width, height;   /* the image's */
  int          n_labels;
  FoveaImage **maps;            /* n_labels 16-bit grey images, width × height */
  guint8      *fov_mask;        /* width × height, 1 inside the FOV */
  FoveaFov     fov;             /* the detected circle (whole image when not found) */
  /* Bytes of the model-scale buffers and the tile arena this image
   * needed (pixels, probabilities, blending weights, arena): bounded by
   * the card's fov_diameter, not by the image's size. */
  gsize        model_scale_bytes;
} FoveaSegmentation;

/* Loads dir/config.json, dir/model.safetensors and dir/task_card.json;
 * the card must be of kind segmentation, with the config's classes as
 * its labels (an error names the card and both counts). n_threads ≤ 0:
 * one per core. */
FoveaSegmenter      *fovea_segmenter_load      (const char        *dir,
                                                int                n_threads,
                                                GError           **error);
void                 fovea_segmenter_free      (FoveaSegmenter    *segmenter);
const FoveaTaskCard *fovea_segmenter_get_card  (const FoveaSegmenter *segmenter);
const char          *fovea_segmenter_get_dir   (const FoveaSegmenter *segmenter);
/* Tile side and the least overlap of tiled inference, in model-scale
 * pixels (each image's tiles are spread to overlap more where the same
 * number of tiles allows). */
int                  fovea_segmenter_get_tile  (const FoveaSegmenter *segmenter);
int                  fovea_segmenter_get_overlap (const FoveaSegmenter *segmenter);

/* Segments one image (any channels and depth). Peak memory beyond the
 * image and its result (n_labels × 2 bytes per pixel, plus the 1-byte
 * FOV mask): the FOV square cropped from the image and its D × D resize
 * (the image's bytes per pixel), then at model scale (D × D, or the
 * image's own size when D = 0) 3 floats of pixels, n_labels floats of
 * probabilities and 1 of blending weights per pixel, plus the tile
 * arena; while mapping back, one label's square at the FOV's size
 * (2 bytes per pixel). No full-size float copy of the image is made. */
FoveaSegmentation   *fovea_segmenter_run       (FoveaSegmenter    *segmenter,
                                                const FoveaImage  *image,
                                                GError           **error);
void                 fovea_segmentation_free   (FoveaSegmentation *segmentation);

/* The folder of an installed segmentation model whose card is named
 * task_name: the sub-folders of the bundled models folder
 * ($FOVEA_MODELS_DIR, else the installed one), then the user's, holding
 * an smp config.json and a task_card.json of that name. NULL with an
 * error that says where it looked and what to pass instead. */
char                *fovea_segmenter_find_model (const char       *task_name,
                                                 GError          **error);

/* The folders of the installed anomaly flaggers (segmentation models
 * whose card's role is anomaly), in the same places and order; empty when
 * there are none. */
GPtrArray           *fovea_segmenter_find_flaggers (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegmenter, fovea_segmenter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegmentation, fovea_segmentation_free)

G_END_DECLS
