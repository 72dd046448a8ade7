/* fovea-optim.c: being written. */
#include <glib.h>
