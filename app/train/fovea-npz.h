/* fovea-npz.h: integer arrays out of NumPy .npz files (a zip of .npy
 * files, as np.savez and np.savez_compressed write them, and as MedMNIST
 * ships its data sets).
 *
 * Only what a data set needs is read: C-order arrays of 1-, 2-, 4- or
 * 8-byte integers, little-endian. The .npy header (a tiny Python dict
 * literal) is parsed strictly: magic, version 1.0, 2.0 or 3.0, exactly
 * the keys 'descr', 'fortran_order' (False) and 'shape', and the data size
 * must equal the zip entry's size exactly, checked before anything is
 * allocated. Anything else is a GError naming the file and the array. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_NPZ_ERROR (fovea_npz_error_quark ())

typedef enum {
  FOVEA_NPZ_ERROR_IO,          /* not a readable zip, or a damaged entry */
  FOVEA_NPZ_ERROR_MISSING,     /* no such array in the file */
  FOVEA_NPZ_ERROR_FORMAT,      /* a malformed .npy header or size */
  FOVEA_NPZ_ERROR_UNSUPPORTED, /* a valid array of a kind we do not read */
} FoveaNpzError;

#define FOVEA_NPY_MAX_DIMS 8

typedef enum {
  FOVEA_NPY_U8, FOVEA_NPY_I8,
  FOVEA_NPY_U16, FOVEA_NPY_I16,
  FOVEA_NPY_U32, FOVEA_NPY_I32,
  FOVEA_NPY_U64, FOVEA_NPY_I64,
} FoveaNpyType;

typedef struct {
  FoveaNpyType type;
  gsize        item_size;                 /* bytes per element */
  int          n_dims;                    /* 0 for a scalar */
  guint64      shape[FOVEA_NPY_MAX_DIMS];
  guint64      n_elements;                /* product of shape (1 for a scalar) */
  gsize        header_size;               /* bytes before the data */
} FoveaNpyHeader;

typedef struct {
  FoveaNpyHeader header;
  guint8        *data;                    /* n_elements × item_size, little-endian */
} FoveaNpyArray;

typedef struct _FoveaNpz FoveaNpz;

GQuark         fovea_npz_error_quark (void);

/* Parses the header at the start of a .npy file of total_size bytes
 * (bytes holds at least its first length bytes). name is for messages.
 * Checks that total_size is exactly header + data. */
gboolean       fovea_npy_parse_header (const guint8   *bytes,
                                       gsize           length,
                                       guint64         total_size,
                                       const char     *name,
                                       FoveaNpyHeader *out,
                                       GError        **error);

FoveaNpz      *fovea_npz_open        (const char  *path,
                                      GError     **error);
void           fovea_npz_close       (FoveaNpz    *npz);
/* Reads the array NAME (the entry NAME.npy) into memory. Not thread-safe
 * on one FoveaNpz (minizip keeps a current entry). */
FoveaNpyArray *fovea_npz_read_array  (FoveaNpz    *npz,
                                      const char  *name,
                                      GError     **error);
void           fovea_npy_array_free  (FoveaNpyArray *array);

/* Element i as a signed 64-bit value; FALSE for a u64 above G_MAXINT64. */
gboolean       fovea_npy_array_get_int (const FoveaNpyArray *array,
                                        guint64              i,
                                        gint64              *out);
const char    *fovea_npy_type_to_string (FoveaNpyType type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaNpz, fovea_npz_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaNpyArray, fovea_npy_array_free)

G_END_DECLS
