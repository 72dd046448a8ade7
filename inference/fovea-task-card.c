/* STUB: inference/fovea-task-card.c, to be implemented. */
#include "fovea-task-card.h"
G_DEFINE_QUARK (fovea-task-card-error-quark, fovea_task_card_error)
FoveaTaskCard *fovea_task_card_load_file (const char *p, GError **error) { g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID, "not implemented"); return NULL; }
FoveaTaskCard *fovea_task_card_load_data (const char *j, gssize l, GError **error) { g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID, "not implemented"); return NULL; }
void fovea_task_card_free (FoveaTaskCard *c) { }
gboolean fovea_task_card_check_outputs (const FoveaTaskCard *c, int n, GError **error) { return TRUE; }
void fovea_task_card_interpret (const FoveaTaskCard *c, const float *l, int n, FoveaTaskResult *r) { }
void fovea_task_result_clear (FoveaTaskResult *r) { }
