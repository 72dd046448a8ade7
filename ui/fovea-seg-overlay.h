/* fovea-seg-overlay.h: what a segmentation model made of one photograph,
 * ready to draw over it: per label its title, colour, drawing style and
 * thresholded mask, and the measurements (fovea-seg-measure.h).
 *
 * A label counts where its probability reaches the card's threshold
 * inside the field of view, as the measurements count it. Vessels are
 * drawn as a translucent fill, so that the vessel under them still shows;
 * every other label (optic disc, lesions) as an outline, so that what it
 * surrounds does.
 *
 * Made in a worker thread (it touches no display) and immutable after;
 * the FoveaExplainMap that carries it owns it. */
#pragma once

#include <gdk/gdk.h>

#include "fovea-seg-measure.h"
#include "fovea-segmenter.h"
#include "fovea-task-card.h"

G_BEGIN_DECLS

/* Masks are at the image's size up to this longer side, shrunk beyond
 * it: a map is drawn over the image, whose view rarely shows more. */
#define FOVEA_SEG_OVERLAY_MAX_SIDE 2048
/* How opaque a filled label is drawn, before the layer's opacity. */
#define FOVEA_SEG_OVERLAY_FILL_ALPHA 0.6

typedef enum {
  FOVEA_SEG_STYLE_FILL,
  FOVEA_SEG_STYLE_OUTLINE,
} FoveaSegStyle;

/* What a mask byte holds. */
enum {
  FOVEA_SEG_MASK_OUTSIDE = 0,
  FOVEA_SEG_MASK_INSIDE = 1,
  FOVEA_SEG_MASK_EDGE = 2,   /* inside, within the outline's width of the outside */
};

typedef struct {
  char          *name;      /* the card's label, e.g. "optic_disc" */
  char          *title;     /* for people, e.g. "Optic disc" */
  guint8         rgb[3];
  FoveaSegStyle  style;
  double         threshold;
  guint8        *mask;      /* width × height FOVEA_SEG_MASK_* values */
} FoveaSegOverlayLabel;

typedef struct {
  char                 *task_name;
  char                 *task_title;
  /* Whether the card reports figures on held-out data; when not, the
   * overlay is still drawn (it recommends nothing) but says so. */
  gboolean              validated;
  int                   width, height;  /* the masks', aligned to the whole image */
  int                   n_labels;
  FoveaSegOverlayLabel *labels;
  FoveaSegMeasures     *measures;       /* in the image's own pixels */
} FoveaSegOverlay;

/* How a label of this name is drawn. */
FoveaSegStyle    fovea_seg_overlay_style_for_label (const char *label);

/* The overlay of segmentation, made with card (whose labels and
 * thresholds it has): thresholds, shrinks, outlines and measures. */
FoveaSegOverlay *fovea_seg_overlay_new    (const FoveaSegmentation *segmentation,
                                           const FoveaTaskCard     *card);
void             fovea_seg_overlay_free   (FoveaSegOverlay         *overlay);

/* The labels whose shown[i] is TRUE (shown NULL: all), each in its colour
 * and style, later labels over earlier ones, as a premultiplied RGBA
 * texture of the masks' size, transparent elsewhere. Touches no display.
 * NULL with an error when memory runs out. */
GdkTexture      *fovea_seg_overlay_render (const FoveaSegOverlay   *overlay,
                                           const gboolean          *shown,
                                           GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegOverlay, fovea_seg_overlay_free)

G_END_DECLS
