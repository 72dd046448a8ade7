/* STUB: inference/fovea-lora.c, to be implemented. */
#include "fovea-lora.h"
void fovea_lora_free (FoveaLora *lora) { }
