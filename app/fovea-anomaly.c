/* fovea-anomaly.c: being written. */
#include <glib.h>
