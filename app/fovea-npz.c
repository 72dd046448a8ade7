/* fovea-npz.c: being written. */
#include <glib.h>
