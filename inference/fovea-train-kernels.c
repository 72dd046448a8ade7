/* fovea-train-kernels.c: being written. */
#include <glib.h>
