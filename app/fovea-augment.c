/* fovea-augment.c: being written. */
#include <glib.h>
