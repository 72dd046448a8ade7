/* fovea-seg-columns.h: segmentation measurements (fovea-seg-measure.h) as
 * named table columns: the CSV columns `fovea-cli grade --segment` adds
 * after its own, documented in the README ("Segmentation columns").
 *
 * A task's prefix is its card's name with every character that is not a
 * letter or digit made "_" ("optic-disc" → "optic_disc"). Per label, in the
 * tasks' order: PREFIX_LABEL_count, _area_px, _area_pct and, for exudates
 * and haemorrhages, _near_fovea (yes, no, or empty without a fovea); the
 * stem is PREFIX alone when the label is the prefix ("vessels_count").
 * Then, when a task has the label optic_disc: optic_disc_x, optic_disc_y,
 * optic_disc_diameter_px, optic_disc_centred (yes: the photograph is
 * disc-centred; no: macula-centred), fovea_x, fovea_y; when one has
 * vessels: vessels_density, vessels_fractal_dimension, vessels_tortuosity,
 * vessels_tortuosity_segments. First of all, fov_diameter_px. A value that
 * does not apply or could not be measured is empty. */
#pragma once

#include "fovea-seg-measure.h"

G_BEGIN_DECLS

typedef struct _FoveaSegColumns FoveaSegColumns;

/* The columns for these tasks' cards. NULL with an error when two would
 * have the same name. */
FoveaSegColumns   *fovea_seg_columns_new    (const FoveaTaskCard *const *cards,
                                             guint                       n_cards,
                                             GError                    **error);
void               fovea_seg_columns_free   (FoveaSegColumns        *columns);
guint              fovea_seg_columns_get_n  (const FoveaSegColumns  *columns);
/* NULL-terminated. */
const char *const *fovea_seg_columns_names  (const FoveaSegColumns  *columns);
/* One value per column, as text (C locale); all empty when measures is
 * NULL (an image not segmented). */
GStrv              fovea_seg_columns_values (const FoveaSegColumns  *columns,
                                             const FoveaSegMeasures *measures);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegColumns, fovea_seg_columns_free)

G_END_DECLS
