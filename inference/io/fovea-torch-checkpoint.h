/* fovea-torch-checkpoint.h: a PyTorch checkpoint's state dict, read
 * without running it, as in-memory safetensors.
 *
 * The format is torch.save's since PyTorch 1.6: a zip whose members sit
 * in one folder (named after the file, or "archive"): data.pkl, a pickle
 * of the saved object; data/N, the raw bytes of storage N; version; and,
 * since 2.1, byteorder ("little" or "big"). The pickle is read by the
 * restricted machine of fovea-pickle.h with a whitelist of globals: the
 * dict types, torch's tensor and parameter rebuild functions, the storage
 * types, and a few data-only types that training scripts put beside the
 * weights (argparse.Namespace, numpy scalars, torch dtypes and devices).
 * Any other global is refused, wherever it is in the pickle.
 *
 * What is accepted: a dict of tensors (a state dict), or a dict holding
 * one under "state_dict", "model" or "model_state_dict" (other members are
 * ignored, but must still pass the whitelist); keys prefixed "module."
 * (DataParallel) when every key is. Float32, float16 and bfloat16 tensors
 * keep their dtype; float64 becomes float32; integer and bool tensors
 * (BatchNorm's num_batches_tracked, index buffers) are left out, since
 * Fovea reads no such tensor, and listed in the info. Views with any
 * offset and strides are copied out of their storage, which must hold
 * them. The legacy format (torch < 1.6) and TorchScript archives are
 * refused with a message saying what to do. */
#pragma once

#include "fovea-safetensors.h"

G_BEGIN_DECLS

#define FOVEA_TORCH_CHECKPOINT_ERROR (fovea_torch_checkpoint_error_quark ())

/* Errors of the zip (FOVEA_ZIP_ERROR) and of the pickle
 * (FOVEA_PICKLE_ERROR, CODE for a refused global) come in their own
 * domains. */
typedef enum {
  FOVEA_TORCH_CHECKPOINT_ERROR_IO,       /* cannot read the file */
  FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT,   /* legacy format, TorchScript, or no checkpoint at all */
  FOVEA_TORCH_CHECKPOINT_ERROR_ARCHIVE,  /* a member missing or malformed (version, byteorder) */
  FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,  /* no state dict, or an entry that is no tensor */
  FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR,   /* a tensor's storage, shape, strides or offset */
  FOVEA_TORCH_CHECKPOINT_ERROR_LIMIT,    /* sizes beyond what is read */
} FoveaTorchCheckpointError;

/* What was done to the checkpoint to read it. */
typedef struct {
  char      *wrapper;         /* "state_dict", "model" or "model_state_dict"; NULL for a bare state dict */
  gboolean   module_prefix;   /* "module." was stripped from every name */
  GPtrArray *skipped;         /* names (after stripping) of the integer and bool tensors left out */
} FoveaTorchCheckpointInfo;

GQuark            fovea_torch_checkpoint_error_quark (void);

/* Maps and reads a file; the tensors are copied into the result, which
 * fovea_safetensors_get_path() names path. info may be NULL; clear it
 * with fovea_torch_checkpoint_info_clear(). */
FoveaSafetensors *fovea_torch_checkpoint_open        (const char               *path,
                                                      FoveaTorchCheckpointInfo *info,
                                                      GError                  **error);
/* The same over bytes in memory; name (may be NULL) is used in errors.
 * This is the fuzzing entry point. */
FoveaSafetensors *fovea_torch_checkpoint_new_from_bytes (GBytes                   *bytes,
                                                         const char               *name,
                                                         FoveaTorchCheckpointInfo *info,
                                                         GError                  **error);
void              fovea_torch_checkpoint_info_clear  (FoveaTorchCheckpointInfo *info);

G_END_DECLS
