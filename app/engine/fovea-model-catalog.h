/* fovea-model-catalog.h: which models and task adapters are installed, and
 * what their task cards say, without loading any weights.
 *
 * Models are looked for in three places, in this order:
 *   1. the bundled folder: $FOVEA_MODELS_DIR if set (to run from a build
 *      tree), else FOVEA_PKGDATADIR/models;
 *   2. the user's folder: g_get_user_data_dir()/fovea/models
 *      (~/.local/share/fovea/models);
 *   3. the folder chosen in Preferences (GSettings key models-folder;
 *      empty: none).
 * A place that does not exist is skipped; one that is the same folder as an
 * earlier place (after resolving links) is scanned once.
 *
 * Layout of a place (sub-folders and files starting with '.' are ignored):
 *   PLACE/BACKBONE/config.json          timm / hub layout: the backbone, a ViT
 *                                       or a CNN (fovea-engine-backbone.h)
 *   PLACE/BACKBONE/model.safetensors    (or pytorch_model.bin)
 *   PLACE/BACKBONE/task_card.json       optional: the card of its own head
 *                                       (without one, a head config.json
 *                                       names by label_names is its
 *                                       pretraining head: not a task)
 *   PLACE/BACKBONE/adapters/NAME/       a PEFT LoRA folder (adapter_config.json,
 *                                       adapter_model.safetensors, optional
 *                                       task_card.json)
 *   PLACE/BACKBONE/adapters/NAME.safetensors       a MeLo LoRA file
 *   PLACE/BACKBONE/adapters/NAME.task_card.json    its optional card
 *   PLACE/anomaly/                      not a backbone: anomaly banks
 *                                       (fovea-anomaly-installed.h)
 * A backbone is known by its folder's name: when two places hold one of the
 * same name the first place's is used, and the later one is listed with a
 * FOVEA_CATALOG_ERROR_DUPLICATE error saying which one shadows it.
 *
 * Scanning reads config.json and the cards (JSON only) and checks that the
 * weights files exist; it never maps or hashes them, so it is cheap enough
 * to run at start-up. What only loading can tell (an adapter that does not
 * fit its backbone, a card's hash or number of outputs) is reported by
 * FoveaEngine when the task is loaded. Every broken entry (a missing file,
 * bad JSON, a refused card, two tasks of one name) is listed with its own
 * error instead of failing the scan. */
#pragma once

#include <gio/gio.h>

#include "fovea-engine-backbone.h"
#include "fovea-task-card.h"

G_BEGIN_DECLS

#define FOVEA_CATALOG_ERROR (fovea_catalog_error_quark ())

typedef enum {
  FOVEA_CATALOG_ERROR_MISSING,    /* a required file is not there */
  FOVEA_CATALOG_ERROR_INVALID,    /* config.json or a task card was refused */
  FOVEA_CATALOG_ERROR_DUPLICATE,  /* a name already taken by an earlier entry */
} FoveaCatalogError;

typedef enum {
  FOVEA_CATALOG_PLACE_BUNDLED,
  FOVEA_CATALOG_PLACE_USER,
  FOVEA_CATALOG_PLACE_PREFERENCES,
} FoveaCatalogPlace;

#define FOVEA_CATALOG_N_PLACES 3

/* The folder of a place that holds anomaly banks, not a backbone: the
 * scan skips it, fovea-anomaly-installed.h reads it. */
#define FOVEA_CATALOG_BANKS_FOLDER "anomaly"

typedef struct {
  char          *name;       /* the task's name in FoveaEngine: card name, else
                              * the adapter's file or folder name, else "backbone" */
  char          *path;       /* PEFT folder or MeLo file; NULL for the backbone's head */
  char          *card_path;  /* NULL when there is no card file */
  FoveaTaskCard *card;       /* NULL: uncalibrated raw output (or a refused card) */
  GError        *error;      /* why the task cannot be used; NULL when it can */
} FoveaCatalogTask;

typedef struct {
  char              *name;   /* the folder's name */
  char              *path;
  FoveaCatalogPlace  place;
  FoveaBackboneFamily family;  /* as config.json's architecture says */
  /* Its own head is one config.json names by label_names, without a card:
   * a pretraining head (ImageNet's), listed as no task. The backbone is
   * there to be fine-tuned. */
  gboolean           pretraining_head;
  GError            *error;  /* why the backbone cannot be used; its tasks are then empty */
  GPtrArray         *tasks;  /* FoveaCatalogTask*: its own head first (when it has
                              * one), then its adapters sorted by file name */
} FoveaCatalogModel;

typedef struct _FoveaModelCatalog FoveaModelCatalog;

GQuark             fovea_catalog_error_quark     (void);

/* $FOVEA_MODELS_DIR, else FOVEA_PKGDATADIR/models. */
char              *fovea_model_catalog_dup_bundled_dir (void);
/* g_get_user_data_dir()/fovea/models. */
char              *fovea_model_catalog_dup_user_dir    (void);

/* Scans the three places in order; each may be NULL or "" for none. */
FoveaModelCatalog *fovea_model_catalog_scan      (const char *bundled_dir,
                                                  const char *user_dir,
                                                  const char *preferences_dir);
/* Scans the bundled and user folders and preferences_dir (may be NULL). */
FoveaModelCatalog *fovea_model_catalog_scan_default (const char *preferences_dir);

/* A catalog never changes once scanned; it is shared by reference, so a
 * running analysis keeps the entries it shows alive. Thread-safe. */
FoveaModelCatalog *fovea_model_catalog_ref       (FoveaModelCatalog *catalog);
void               fovea_model_catalog_unref     (FoveaModelCatalog *catalog);

/* Every backbone found, in place order, then by name; broken ones included. */
guint                    fovea_model_catalog_get_n_models (const FoveaModelCatalog *catalog);
const FoveaCatalogModel *fovea_model_catalog_get_model    (const FoveaModelCatalog *catalog,
                                                           guint                    index);

/* Whether a usable task may be offered for an image of this modality: its
 * card's modality is that one, or it has no card (uncalibrated output has
 * no modality to match, and is labelled as such wherever it is shown). */
gboolean           fovea_catalog_task_fits_modality (const FoveaCatalogTask *task,
                                                     FoveaModality           modality);

/* What one Analyse (and `fovea-cli grade --task auto`) runs on model for
 * an image of *modality: every usable task with a card that fits it
 * (fovea_catalog_task_fits_modality), in the model's order. modality
 * NULL: every usable carded task, whatever its modality (the caller
 * matches each image's). Uncalibrated tasks run only when chosen by name.
 * The array holds pointers into model; free the array only. */
GPtrArray         *fovea_catalog_model_carded_tasks (const FoveaCatalogModel *model,
                                                     const FoveaModality     *modality);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaModelCatalog, fovea_model_catalog_unref)

G_END_DECLS
