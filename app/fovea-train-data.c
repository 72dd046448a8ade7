/* fovea-train-data.c: being written. */
#include <glib.h>
