/* PLACEHOLDER */
#include "fuzz-target.h"
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) { return 0; }
