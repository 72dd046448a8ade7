/* fovea-torch-checkpoint-private.h: what the checkpoint reader's two
 * halves share: the whitelist of globals, and the tensors found in the
 * pickle (fovea-torch-state-dict.c) that the archive side copies out of
 * their storages (fovea-torch-checkpoint.c). */
#pragma once

#include "fovea-pickle.h"
#include "fovea-torch-checkpoint.h"

G_BEGIN_DECLS

/* The whitelist, by index into fovea_torch_globals. */
typedef enum {
  FOVEA_TORCH_GLOBAL_ORDERED_DICT,
  FOVEA_TORCH_GLOBAL_REBUILD_TENSOR_V2,
  FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER,
  FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER_WITH_STATE,
  /* Storage types, named in a storage's persistent id. */
  FOVEA_TORCH_GLOBAL_FLOAT_STORAGE,
  FOVEA_TORCH_GLOBAL_HALF_STORAGE,
  FOVEA_TORCH_GLOBAL_BFLOAT16_STORAGE,
  FOVEA_TORCH_GLOBAL_DOUBLE_STORAGE,
  FOVEA_TORCH_GLOBAL_LONG_STORAGE,
  FOVEA_TORCH_GLOBAL_INT_STORAGE,
  FOVEA_TORCH_GLOBAL_SHORT_STORAGE,
  FOVEA_TORCH_GLOBAL_CHAR_STORAGE,
  FOVEA_TORCH_GLOBAL_BYTE_STORAGE,
  FOVEA_TORCH_GLOBAL_BOOL_STORAGE,
  /* From here on, data-only types that may sit beside the state dict
   * (hyperparameters, metrics); never taken for a tensor. */
  FOVEA_TORCH_GLOBAL_FIRST_DATA_ONLY,
} FoveaTorchGlobal;

extern const FoveaPickleGlobal fovea_torch_globals[];
extern const guint             fovea_torch_n_globals;

/* One storage type: its element size, and the dtype its tensors are read
 * as (skip: integer and bool tensors, left out). */
typedef struct {
  const char *name;          /* "torch.FloatStorage" */
  gsize       element_size;
  FoveaDType  dtype;
  gboolean    skip;
  gboolean    from_double;   /* float64, read as F32 */
} FoveaTorchStorageType;

/* NULL unless global is a storage type. */
const FoveaTorchStorageType *fovea_torch_storage_type (gint64 global);

/* One tensor of the state dict: a view of a storage. Strides and the
 * offset are in elements, and the view lies inside the storage's
 * storage_numel elements (checked). */
typedef struct {
  char                        *name;          /* after stripping "module." */
  const char                  *storage_key;   /* owned by the pickle */
  const FoveaTorchStorageType *type;
  guint64                      storage_numel;
  guint64                      offset;
  int                          n_dims;
  gint64                       shape[FOVEA_TENSOR_MAX_DIMS];
  gint64                       stride[FOVEA_TENSOR_MAX_DIMS];
  gsize                        n_elements;
} FoveaTorchTensor;

/* The state dict's tensors in the pickle's order, integer and bool ones
 * left out (and named in info->skipped); info is filled (not NULL here).
 * NULL with an error naming file and the entry otherwise. Free with
 * g_array_unref(). */
GArray *fovea_torch_state_dict_read (const FoveaPickleValue   *root,
                                     const char               *file,
                                     FoveaTorchCheckpointInfo *info,
                                     GError                  **error);

G_END_DECLS
