/* fovea-adapter-private.h: what the PEFT and MeLo loaders share. */
#pragma once

#include "fovea-adapter.h"

G_BEGIN_DECLS

/* The largest rank accepted: far above any real adapter, small enough that
 * sizes computed from it never overflow. */
#define FOVEA_ADAPTER_MAX_RANK 65536

/* A PEFT folder's adapter_config.json text and adapter_model.safetensors
 * (a pickled adapter_model.bin is refused, saying so). */
gboolean     fovea_adapter_read_peft_folder (const char        *path,
                                             char             **config,
                                             gsize             *length,
                                             FoveaSafetensors **weights,
                                             GError           **error);

/* Sets an ADAPTER error prefixed with the adapter's name. */
void         fovea_adapter_set_error  (GError         **error,
                                       const FoveaLora *lora,
                                       const char      *format,
                                       ...) G_GNUC_PRINTF (3, 4);

/* A tensor's F32 values, converted from F16/BF16 if need be, checking
 * its shape: n_dims axes of the given sizes, where -1 accepts any
 * size from 1 to G_MAXINT; every value must be finite. */
const float *fovea_adapter_get_tensor (const FoveaLora  *lora,
                                       FoveaSafetensors *st,
                                       const char       *name,
                                       int               n_dims,
                                       const gint64     *shape,
                                       GError          **error);

/* Reads a_name (rank × in) and b_name (out × rank) into update, with the
 * given placement and scale. expected_rank 0 takes the rank from a_name. */
gboolean     fovea_adapter_read_update (const FoveaLora  *lora,
                                        FoveaSafetensors *st,
                                        const char       *a_name,
                                        const char       *b_name,
                                        int               expected_rank,
                                        int               in_features,
                                        int               out_features,
                                        int               out_offset,
                                        float             scale,
                                        FoveaLoraUpdate  *update,
                                        GError          **error);

/* Parses the len characters at text as an index written the way Python's
 * f"{i:0{width}d}" writes it (so "7" for width 1, "007" for width 3, and
 * no other spelling) of at most 9 digits; FALSE when they are not one. */
gboolean     fovea_adapter_parse_index (const char *text,
                                        gsize       len,
                                        int         width,
                                        int        *value);

G_END_DECLS
