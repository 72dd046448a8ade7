/* toy-train-set.h: a labelled toy task for the training tests: 32×32 PNGs
 * of coloured noise, class 0 reddish, class 1 bluish, with labels.csv,
 * and a two-class task card for it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TOY_SIDE 32

/* Writes DIR/NAME/ with n images (alternating classes) and labels.csv;
 * returns the folder. */
char *toy_write_set  (const char *dir,
                      const char *name,
                      int         n,
                      guint32     seed);
/* Writes the toy task card into dir; returns its path. */
char *toy_write_card (const char *dir);

G_END_DECLS
