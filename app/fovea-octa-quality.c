/* fovea-octa-quality.c: being written. */
#include <glib.h>
