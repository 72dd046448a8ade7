/* fovea-trainer.c: being written. */
#include <glib.h>
