/* STUB: app/fovea-decode-jpeg.c, to be implemented. */

