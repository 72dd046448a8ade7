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
/* Grey noise; class 1 (odd indices) has a bright blob (inside one 8 px
 * patch of a 32 px input) of radius
 * TOY_BLOB_RADIUS centred at (TOY_BLOB_X, TOY_BLOB_Y). Same layout. */
#define TOY_BLOB_X 12
#define TOY_BLOB_Y 12
#define TOY_BLOB_RADIUS 3
char *toy_write_blob_set (const char *dir,
                          const char *name,
                          int         n,
                          guint32     seed);
/* The same with the blob centred at (x, y). */
char *toy_write_blob_set_at (const char *dir,
                             const char *name,
                             int         n,
                             guint32     seed,
                             int         x,
                             int         y);
/* Writes the toy task card into dir; returns its path. */
char *toy_write_card (const char *dir);

G_END_DECLS
