/* fovea-loss.c: being written. */
#include <glib.h>
