/* fovea-patchcore.c: being written. */
#include <glib.h>
