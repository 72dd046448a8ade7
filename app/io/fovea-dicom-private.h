/* fovea-dicom-private.h: what the DICOM reader and writer share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers DCMTK's decoders and quietens its logging; once per process,
 * from any thread. */
void fovea_dicom_init (void);

G_END_DECLS
