/* STUB: app/fovea-decode-png.c, to be implemented. */

