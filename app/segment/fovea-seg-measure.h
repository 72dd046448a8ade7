/* fovea-seg-measure.h: what a clinician or researcher reads off
 * segmentation maps, each map thresholded at its card's threshold and
 * measured inside the field of view (FOV):
 *
 *   every label    connected components (8-connectivity): count, and area
 *                  in pixels and as % of the FOV's pixels;
 *   optic_disc     its largest component: centre (centroid) and diameter,
 *                  the equivalent-area diameter 2 √(area / π); the
 *                  photograph is disc-centred when that centre lies within
 *                  DISC_CENTRED_FRACTION of the FOV radius from the FOV's
 *                  centre, else macula-centred;
 *   fovea          estimated from the optic disc, not found directly: 2.5
 *                  disc diameters from the disc centre, temporally, along
 *                  the line from the disc centre through the FOV centre
 *                  (in a macula-centred photograph the fovea lies near the
 *                  FOV centre, the disc nasal of it). Not estimated for a
 *                  disc-centred photograph (that line is then arbitrary) or
 *                  without a disc;
 *   exudates and haemorrhages (labels containing "exudate" or
 *                  "haemorrhage"/"hemorrhage"): whether any of their pixels
 *                  lies within one disc diameter of the estimated fovea,
 *                  the sign of macular oedema screening programmes use;
 *   vessels        density, box-counting fractal dimension and the
 *                  distance-measure tortuosity, as AutoMorph defines them
 *                  (fovea-seg-vessels.h). */
#pragma once

#include <json-glib/json-glib.h>

#include "fovea-fov.h"
#include "fovea-image.h"
#include "fovea-segmenter.h"
#include "fovea-task-card.h"

G_BEGIN_DECLS

#define FOVEA_SEG_DISC_CENTRED_FRACTION 0.35
#define FOVEA_SEG_FOVEA_DISC_DIAMETERS 2.5
/* Vessel segments shorter than this (chord, pixels) are too short for a
 * tortuosity. */
#define FOVEA_SEG_MIN_SEGMENT_CHORD 10.0

typedef struct {
  char    *label;
  int      count;           /* connected components */
  gint64   area;            /* pixels */
  double   area_percent;    /* of the FOV's pixels */
  gboolean macular;         /* an exudate or haemorrhage label */
  int      near_fovea;      /* macular only: 1 within one disc diameter of
                             * the fovea, 0 not, -1 unknown (no fovea) */
} FoveaSegLabelMeasures;

typedef struct {
  gint64   fov_pixels;
  gboolean fov_found;       /* FALSE: no dark surround, the whole frame */
  double   fov_cx, fov_cy, fov_radius;
  int      n_labels;
  FoveaSegLabelMeasures *labels;
  gboolean has_disc;
  double   disc_cx, disc_cy, disc_diameter;
  gboolean disc_centred;
  gboolean has_fovea;
  double   fovea_x, fovea_y;
  gboolean has_vessels;
  double   vessel_density;     /* vessel pixels / FOV pixels */
  double   fractal_dimension;  /* NaN when it cannot be fitted */
  double   tortuosity;         /* NaN without a measurable segment */
  int      tortuosity_segments;
} FoveaSegMeasures;

/* maps: n_labels 16-bit grey images (0..65535 for probability 0..1) of
 * fov_mask's size; a pixel counts as label i where its value ≥
 * thresholds[i] × 65535 and the FOV mask is set. fov is the circle the
 * mask came from. */
FoveaSegMeasures *fovea_seg_measure_maps (const FoveaImage *const *maps,
                                          const char *const       *labels,
                                          const double            *thresholds,
                                          int                      n_labels,
                                          const guint8            *fov_mask,
                                          const FoveaFov          *fov);
/* The same for a segmenter's result, with its card's labels and
 * thresholds. */
FoveaSegMeasures *fovea_seg_measure       (const FoveaSegmentation *segmentation,
                                           const FoveaTaskCard     *card);
/* A deep copy (NULL for NULL). */
FoveaSegMeasures *fovea_seg_measures_copy (const FoveaSegMeasures  *measures);
void              fovea_seg_measures_free (FoveaSegMeasures        *measures);

/* Adds the measurements as members of the object being built: "fov",
 * "labels" (an object by label), "optic_disc", "fovea" and "vessels"
 * (null where they do not apply). */
void              fovea_seg_measures_add_json (const FoveaSegMeasures *measures,
                                               JsonBuilder            *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegMeasures, fovea_seg_measures_free)

G_END_DECLS
