/* STUB: app/fovea-decode-tiff.c, to be implemented. */

