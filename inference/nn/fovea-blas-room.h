/* fovea-blas-room.h: room for OpenBLAS's work buffers, checked up front.
 *
 * Each thread that calls an OpenBLAS level-3 routine gets a work buffer of
 * about 128 MiB of address space, which OpenBLAS keeps. When it cannot map
 * one it retries for ever: under an address-space limit (ulimit -v) the
 * process would hang in its first GEMM. So a pool checks, before its
 * threads run anything, that the limit leaves room for one buffer per
 * thread, and otherwise fails with an out-of-memory error that says what
 * to change. Without a limit this costs nothing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Address space one OpenBLAS work buffer takes (0.3.x on x86-64:
 * BUFFER_SIZE, 128 MiB, plus alignment pages). */
#define FOVEA_BLAS_BUFFER_BYTES ((gsize) 129 << 20)

/* FALSE with FOVEA_MODEL_ERROR_NO_MEMORY when the address-space limit
 * leaves no room for n_threads buffers now. */
gboolean fovea_blas_check_room (int n_threads, GError **error);

G_END_DECLS
