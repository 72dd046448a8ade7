/* fovea-card-record.h: writing measured figures into a task card file,
 * keeping everything else in it. The new card is parsed with the card
 * parser before it replaces the old one (atomically), so a card is never
 * left broken or half-written. */
#pragma once

#include "fovea-evaluation.h"

G_BEGIN_DECLS

/* Puts metrics (FoveaEvalMetric*; undefined ones are skipped) into
 * provenance.metrics with the given split description, replacing earlier
 * figures of the same name and split. held_out marks them as measured on
 * held-out data; a card that has held-out figures already is refused
 * unless replace is TRUE (a held-out part is scored once). */
gboolean fovea_card_record_metrics        (const char *card_path,
                                           GPtrArray  *metrics,
                                           const char *split,
                                           gboolean    held_out,
                                           gboolean    replace,
                                           GError    **error);
/* Sets referral.min_probability, and a provenance note saying how it was
 * chosen (note). */
gboolean fovea_card_record_operating_point (const char *card_path,
                                            double      min_probability,
                                            const char *note,
                                            GError    **error);

G_END_DECLS
