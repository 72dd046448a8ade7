/* fovea-spmix.h: SPMix, saliency-guided patch mixup for long-tailed
 * classification (Wei, Huang, Lin, Cheng, Li, Tang, "Saliency-guided and
 * Patch-based Mixup for Long-tailed Skin Cancer Image Classification",
 * arXiv:2406.10801, 2024): a tail-class image and a head-class image are
 * mixed patch by patch under the tail image's saliency, so that the tail
 * image's discriminative patches stay and the head image fills the rest;
 * the mixed image is a new tail-class image (the paper's rule: it keeps
 * the tail label, no soft label).
 *
 * Adapted to an image-space mixup of whole patches (the paper mixes patch
 * embeddings of a hybrid ViT with per-patch ratios from a static lesion
 * saliency map): the saliency here is the training model's own class
 * activation map for the tail image's label, and the top-k patches are
 * kept whole. The defaults below are ours; the paper's exact values were
 * not available to us (see fovea-trainer-spmix.c).
 *
 * These are the pure parts, on plain arrays, for the trainer and tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The share of sampled tail-class images that are mixed. */
#define FOVEA_SPMIX_DEFAULT_PROB 0.5
/* Patches per side: 7 × 7 at 224 px is 32 px patches, one per cell of
 * MobileNetV2's or ResNet's last feature map. */
#define FOVEA_SPMIX_DEFAULT_GRID 7
/* The share of the grid's patches kept from the tail image. */
#define FOVEA_SPMIX_DEFAULT_KEEP 0.5
#define FOVEA_SPMIX_MAX_GRID 64

/* Marks the tail classes: those with training images, fewer of them than
 * the median count of the classes that have any (the mean of the two
 * middle counts when that number is even). HAM10000 (nv 6705, mel 1113,
 * bkl 1099, bcc 514, akiec 327, vasc 142, df 115): akiec, vasc and df.
 * Returns how many there are. */
int  fovea_spmix_tail_classes  (const int *counts,
                                int        n_classes,
                                gboolean  *tail);

/* Patches kept of a grid × grid image: keep's share, rounded, from 1 to
 * grid² − 1 (at least one of each image when grid > 1). */
int  fovea_spmix_n_keep        (int        grid,
                                double     keep);

/* The saliency of each of the grid × grid patches (row-major, into patch)
 * of a height × width image: the sum of map (map_h × map_w cells spread
 * evenly over the image, row-major) over the patch, each cell weighted by
 * the area it shares with the patch. Patch boundaries are at
 * i · height / grid (integer division), as fovea_spmix_mix cuts them. */
void fovea_spmix_patch_saliency (const float *map,
                                 int          map_h,
                                 int          map_w,
                                 int          height,
                                 int          width,
                                 int          grid,
                                 float       *patch);

/* Mixes head into tail in place (channels × height × width, planar): the
 * n_keep patches of highest saliency (ties to the lower index; NaN
 * lowest) stay, the others are copied from head. kept (grid², may be
 * NULL) says which stayed. */
void fovea_spmix_mix           (float       *tail,
                                const float *head,
                                int          channels,
                                int          height,
                                int          width,
                                int          grid,
                                const float *patch_saliency,
                                int          n_keep,
                                gboolean    *kept);

G_END_DECLS
