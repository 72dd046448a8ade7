/* fovea-seg-components.h: connected components (8-connectivity) of a
 * binary mask, with each one's area and centroid: what lesion counts, the
 * optic disc and the vessel segments are measured on. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint64 area;        /* pixels */
  double cx, cy;      /* centroid, pixel centres at (x + 0.5, y + 0.5) */
  int    x0, y0;      /* a pixel of it (the first in row order) */
} FoveaSegComponent;

typedef struct {
  int                width, height;
  /* width × height: 0 for background, else 1 + the component's index. */
  guint32           *labels;
  int                n_components;
  FoveaSegComponent *components;
} FoveaSegComponents;

/* Labels the non-zero pixels of mask (width × height, row-major). */
FoveaSegComponents *fovea_seg_components_new  (const guint8       *mask,
                                               int                 width,
                                               int                 height);
void                fovea_seg_components_free (FoveaSegComponents *components);
/* The index of the largest component, or -1 when there is none. */
int                 fovea_seg_components_largest (const FoveaSegComponents *components);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegComponents, fovea_seg_components_free)

G_END_DECLS
