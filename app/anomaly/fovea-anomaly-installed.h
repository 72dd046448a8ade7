/* fovea-anomaly-installed.h: the anomaly banks that come installed, for
 * the window's Anomaly overlay and `fovea-cli explain` without --bank.
 *
 * Banks are the .safetensors files of BUNDLED_MODELS/anomaly/
 * (FOVEA_CATALOG_BANKS_FOLDER, which the catalog leaves out); each is
 * usable with the installed backbone whose model.safetensors hashes to its
 * card's backbone_sha256. Banks built on an adapter's features are not
 * offered (they would need that adapter too). */
#pragma once

#include "fovea-model-catalog.h"
#include "fovea-modality.h"

G_BEGIN_DECLS

typedef struct {
  char          *bank_path;   /* NULL when none was found */
  char          *model_dir;
  FoveaModality  modality;    /* the bank card's; UNKNOWN when it has none */
  double         normal_max;  /* NaN without calibration */
  char          *why_none;    /* no bank: why, translated */
} FoveaInstalledBank;

/* The first usable bank (by file name) for images of modality (UNKNOWN:
 * any). Hashes the backbones (cached by fovea-hash-cache.h); never NULL. */
FoveaInstalledBank *fovea_anomaly_find_installed  (FoveaModelCatalog  *catalog,
                                                   FoveaModality       modality,
                                                   GCancellable       *cancellable);
FoveaInstalledBank *fovea_installed_bank_copy     (const FoveaInstalledBank *bank);
void                fovea_installed_bank_free     (FoveaInstalledBank *bank);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaInstalledBank, fovea_installed_bank_free)

G_END_DECLS
