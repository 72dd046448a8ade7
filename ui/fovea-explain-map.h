/* fovea-explain-map.h: one explanation overlay of one image, ready to
 * draw: which kind it is, its values normalised to 0..1 (for reports),
 * the heat-map texture made from them, and what the legend shows. A
 * segmentation overlay has no values: it carries its labels' masks and
 * measurements instead, and its texture draws every label.
 *
 * Maps are immutable once made and shared by reference between the
 * cache, the window and an export in progress. */
#pragma once

#include <gdk/gdk.h>

#include "fovea-seg-overlay.h"

G_BEGIN_DECLS

/* The overlays the review window offers, in the order it lists them. */
typedef enum {
  FOVEA_OVERLAY_NONE,
  FOVEA_OVERLAY_ROLLOUT,   /* saliency: attention rollout of the analysis */
  FOVEA_OVERLAY_GRADCAM,   /* saliency: Grad-CAM of the task's predicted class */
  FOVEA_OVERLAY_ANOMALY,   /* an anomaly flagger's map, else distance to the
                            * bank's normal patches (PatchCore) */
  FOVEA_OVERLAY_SEGMENTATION,  /* an installed segmentation model's labels */
} FoveaOverlayKind;

#define FOVEA_OVERLAY_N_KINDS 5

typedef struct {
  FoveaOverlayKind  kind;
  /* What the legend and a report call it: the kind's title, or for an
   * anomaly map the method that made it. */
  char             *title;
  int               width, height;  /* aligned to the whole image */
  float            *values;         /* width × height, 0..1; 0 outside the FOV;
                                     * NULL for segmentation */
  GdkTexture       *texture;        /* values through the colour map, NaN-free
                                     * zeros left transparent */
  double            legend_min;     /* what 0 and 1 stand for, in the kind's units */
  double            legend_max;
  double            normal_max;     /* anomaly: the highest score a normal image
                                     * reached, in legend units; NaN when unknown */
  FoveaSegOverlay  *segmentation;   /* segmentation only, else NULL */
} FoveaExplainMap;

/* The legend's title for kind, translated ("Saliency (Grad-CAM)"); for
 * ANOMALY, PatchCore's. NULL for NONE. */
const char      *fovea_overlay_kind_get_title (FoveaOverlayKind kind);

/* Takes values (width × height, in legend units, g_malloc'd) over: divides
 * them by legend_max into 0..1 and makes the texture. Touches no display,
 * so it runs in worker threads. NULL with an error when the texture
 * cannot be made. */
FoveaExplainMap *fovea_explain_map_new   (FoveaOverlayKind   kind,
                                          float             *values,
                                          int                width,
                                          int                height,
                                          double             legend_max,
                                          double             normal_max,
                                          GError           **error);
/* Replaces the map's title; only by its maker, before it is shared. */
void             fovea_explain_map_set_title (FoveaExplainMap *map,
                                              const char      *title);
/* Takes overlay over and draws all its labels as the texture. Touches no
 * display. NULL with an error when the texture cannot be made. */
FoveaExplainMap *fovea_explain_map_new_segmentation (FoveaSegOverlay *overlay,
                                                     GError         **error);
FoveaExplainMap *fovea_explain_map_ref   (FoveaExplainMap   *map);
void             fovea_explain_map_unref (FoveaExplainMap   *map);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaExplainMap, fovea_explain_map_unref)

G_END_DECLS
