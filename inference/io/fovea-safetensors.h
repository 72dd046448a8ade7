/* fovea-safetensors.h: reading and writing the safetensors format.
 *
 * A file is an 8-byte little-endian header length N, N bytes of JSON
 * describing each tensor (dtype, shape, data_offsets relative to the end
 * of the header) plus an optional "__metadata__" map of strings, then the
 * tensor bytes. Files are memory-mapped and validated in full before any
 * tensor is handed out; tensor data is never copied unless it has to be
 * converted (F16/BF16 to F32) or realigned.
 *
 * Validation follows the reference implementation (huggingface/
 * safetensors): N ≤ 100 MB and inside the file; the header is UTF-8,
 * strict JSON (no comments, trailing text or integers beyond 18 digits)
 * and an object with no repeated keys; each entry has exactly dtype,
 * shape (≤ 8 non-negative integers whose product does not overflow) and
 * data_offsets [begin, end] whose span is the shape's byte size; sorted by
 * offset the tensors tile the data area exactly: no overlaps, no gaps and
 * no bytes after the last one (the reference refuses gaps and trailing
 * bytes too, so every file read here loads in PyTorch). Valid dtypes other
 * than F32, F16 and BF16 give a DTYPE error naming the tensor. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_SAFETENSORS_ERROR (fovea_safetensors_error_quark ())
#define FOVEA_SAFETENSORS_MAX_HEADER ((guint64) 100 * 1000 * 1000)
#define FOVEA_TENSOR_MAX_DIMS 8

typedef enum {
  FOVEA_SAFETENSORS_ERROR_IO,        /* cannot open, stat or map the file */
  FOVEA_SAFETENSORS_ERROR_HEADER,    /* length field, JSON syntax or structure */
  FOVEA_SAFETENSORS_ERROR_DTYPE,     /* a dtype Fovea does not read */
  FOVEA_SAFETENSORS_ERROR_SHAPE,     /* bad shape, or its byte size ≠ its data_offsets range */
  FOVEA_SAFETENSORS_ERROR_RANGE,     /* data_offsets outside the file or reversed */
  FOVEA_SAFETENSORS_ERROR_OVERLAP,   /* two tensors share bytes */
  FOVEA_SAFETENSORS_ERROR_METADATA,  /* __metadata__ is not a map of strings */
  FOVEA_SAFETENSORS_ERROR_MISSING,   /* a tensor asked for is not in the file */
  FOVEA_SAFETENSORS_ERROR_MISMATCH,  /* a tensor asked for has another shape or dtype */
  FOVEA_SAFETENSORS_ERROR_NOT_FINITE, /* a tensor asked for holds a NaN or infinity */
} FoveaSafetensorsError;

typedef enum {
  FOVEA_DTYPE_F32,
  FOVEA_DTYPE_F16,
  FOVEA_DTYPE_BF16,
} FoveaDType;

/* One tensor: a view into the mapped file. */
typedef struct {
  const char   *name;
  FoveaDType    dtype;
  int           n_dims;
  gint64        shape[FOVEA_TENSOR_MAX_DIMS];
  gsize         n_elements;
  gconstpointer data;      /* inside the mapping; n_bytes long */
  gsize         n_bytes;
} FoveaTensorView;

typedef struct _FoveaSafetensors FoveaSafetensors;

GQuark            fovea_safetensors_error_quark (void);

/* Maps and validates a file. The mapping lives as long as the object. */
FoveaSafetensors *fovea_safetensors_open        (const char  *path,
                                                 GError     **error);
/* The same over bytes already in memory (kept referenced); name (may be
 * NULL) is used in error messages. This is the fuzzing entry point. */
FoveaSafetensors *fovea_safetensors_new_from_bytes (GBytes   *bytes,
                                                    const char *name,
                                                    GError  **error);
FoveaSafetensors *fovea_safetensors_ref         (FoveaSafetensors *st);
void              fovea_safetensors_unref       (FoveaSafetensors *st);

const char       *fovea_safetensors_get_path    (const FoveaSafetensors *st);
guint             fovea_safetensors_get_n_tensors (const FoveaSafetensors *st);
/* Tensors in file order of their data offsets. */
const FoveaTensorView *fovea_safetensors_get_nth (const FoveaSafetensors *st,
                                                  guint                   index);
/* NULL when absent. */
const FoveaTensorView *fovea_safetensors_lookup (const FoveaSafetensors *st,
                                                 const char             *name);
/* A __metadata__ value, or NULL. */
const char       *fovea_safetensors_get_metadata (const FoveaSafetensors *st,
                                                  const char             *key);

/* The tensor's elements as F32, checking its shape: n_dims and shape must
 * match exactly (a -1 in shape accepts any size on that axis; shape may be
 * NULL when n_dims is 0). F32 data that is 4-byte aligned is returned in
 * place; F16/BF16 (or misaligned F32) is converted once, under a lock, into
 * a buffer owned by st, so any thread may call this. An empty tensor gives
 * a non-NULL pointer. NULL with MISSING/MISMATCH errors naming the tensor
 * otherwise. */
const float      *fovea_safetensors_get_f32     (FoveaSafetensors *st,
                                                 const char       *name,
                                                 int               n_dims,
                                                 const gint64     *shape,
                                                 GError          **error);

/* fovea_safetensors_get_f32 for a model's weights: every element is also
 * checked (once per file) to be finite, since a NaN or infinity turns every
 * output it reaches into NaN, which argmax would still call a label.
 * NULL with a NOT_FINITE error naming the file, tensor and element then. */
const float      *fovea_safetensors_get_weights (FoveaSafetensors *st,
                                                 const char       *name,
                                                 int               n_dims,
                                                 const gint64     *shape,
                                                 GError          **error);

/* Writes tensors (F32, F16 or BF16 views; data need not be in a mapping)
 * with optional string metadata (may be NULL) atomically: a temporary file
 * in the same folder, synced, then renamed into place; on failure nothing
 * is left behind. Tensors are laid out contiguously in the order given.
 * The JSON header is padded with spaces to a multiple of 8 bytes, so data
 * that starts aligned stays aligned. Each view's n_elements and n_bytes
 * must match its shape and dtype, and names must be unique. */
gboolean          fovea_safetensors_write       (const char            *path,
                                                 const FoveaTensorView *tensors,
                                                 guint                  n_tensors,
                                                 GHashTable            *metadata,
                                                 GError               **error);

/* "F32", "F16" or "BF16", and the size of one element in bytes. */
const char       *fovea_dtype_to_string         (FoveaDType dtype);
gsize             fovea_dtype_get_size          (FoveaDType dtype);

/* Conversions used by the reader and by tests: round to nearest even,
 * NaN stays NaN, exact for subnormals and infinities. */
float             fovea_f16_to_f32              (guint16 h);
float             fovea_bf16_to_f32             (guint16 b);
guint16           fovea_f32_to_f16              (float f);
guint16           fovea_f32_to_bf16             (float f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSafetensors, fovea_safetensors_unref)

G_END_DECLS
