/* STUB: app/fovea-decode-pixbuf.c, to be implemented. */

