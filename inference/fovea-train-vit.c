/* fovea-train-vit.c: being written. */
#include <glib.h>
