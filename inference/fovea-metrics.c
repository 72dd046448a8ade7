/* fovea-metrics.c: being written. */
#include <glib.h>
