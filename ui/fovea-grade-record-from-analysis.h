/* fovea-grade-record-from-analysis.h: an interactive analysis (the results
 * panel's result) as a FoveaGradeRecord, for Export Report. */
#pragma once

#include "fovea-analysis.h"
#include "fovea-document.h"
#include "fovea-grade-record.h"

G_BEGIN_DECLS

/* The record of result, run on document's image: path, patient and eye
 * from the document; quality, task, grade or class, probabilities,
 * referral and the card's provenance from the result. model_sha256 is left
 * NULL: hashing the weights may take a second, so it is the caller's to do
 * off the main thread (fovea_grade_record_dup_weights_path). */
FoveaGradeRecord *fovea_grade_record_new_from_analysis (FoveaDocument             *document,
                                                        const FoveaAnalysisResult *result);
/* The weights file the result's task ran with: the MeLo file, the PEFT
 * folder's adapter_model.safetensors, or the backbone's model.safetensors
 * (or pytorch_model.bin); NULL when there is none. */
char             *fovea_grade_record_dup_weights_path  (const FoveaAnalysisResult *result);

G_END_DECLS
