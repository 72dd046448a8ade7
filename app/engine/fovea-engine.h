/* fovea-engine.h: running models, the one way the CLI, the GUI and batch
 * grading do it.
 *
 * An engine holds one frozen ViT backbone and any number of tasks. Task 0
 * is the backbone itself (its own head); each adapter added is one more
 * task: a FoveaLora on the same backbone, switched per call by a pointer.
 * A task may have a task card, found next to its weights:
 *   MODEL_DIR/task_card.json            for the backbone,
 *   ADAPTER_DIR/task_card.json          for a PEFT adapter folder,
 *   NAME.task_card.json                 for a MeLo file NAME.safetensors.
 * A card that does not parse, does not fit the task's outputs, or whose
 * provenance.sha256 differs from the hash of the weights file it sits next
 * to is refused with the task: it would put clinical words on numbers it
 * does not describe (the hash comes through fovea-hash-cache.h, so that
 * only the first load after a change pays for hashing). A task without a card runs uncalibrated (raw logits).
 * A task's name is its card's name, else the adapter's file or folder name
 * (without ".safetensors"), else "backbone".
 *
 * Forward passes reuse one FoveaVitRun per input size, created on first
 * use and grown when a larger batch comes. An engine is not thread-safe:
 * use it from one thread at a time.
 *
 * On request an engine also explains: each image's attention rollout
 * (fovea-rollout.h) on the patch grid, or a task's Grad-CAM
 * (fovea-gradcam.h), which fovea-input-map.h puts back onto the image. */
#pragma once

#include "fovea-adapter.h"
#include "fovea-gradcam.h"
#include "fovea-image.h"
#include "fovea-preprocess.h"
#include "fovea-task-card.h"
#include "fovea-vit.h"

G_BEGIN_DECLS

#define FOVEA_ENGINE_ERROR (fovea_engine_error_quark ())
/* Larger batches are run in chunks of this many images, bounding the arena. */
#define FOVEA_ENGINE_MAX_BATCH 16

typedef struct _FoveaEngine FoveaEngine;

typedef enum {
  FOVEA_ENGINE_ERROR_CARD,   /* a card that does not fit its task or its weights */
  FOVEA_ENGINE_ERROR_TASK,   /* two tasks with one name */
  FOVEA_ENGINE_ERROR_INPUT,  /* an input of the wrong shape */
  FOVEA_ENGINE_ERROR_NO_MEMORY, /* an allocation failed: may pass on another try */
} FoveaEngineError;

typedef struct {
  char            *name;
  char            *weights_path;  /* model.safetensors (or pytorch_model.bin), adapter_model.safetensors or the MeLo file */
  FoveaLora       *lora;          /* NULL for the backbone */
  FoveaTaskCard   *card;          /* NULL: uncalibrated */
  char            *card_path;     /* NULL without a card */
  int              n_outputs;     /* logits per image */
  FoveaPreprocess  preprocess;    /* the model's pretrained_cfg, overridden by the card */
} FoveaEngineTask;

/* What one call computed for a batch. */
typedef struct {
  int              batch;
  int              n_outputs;
  float           *logits;        /* batch × n_outputs, raw head output */
  FoveaTaskResult *results;       /* batch; the card's reading of each row */
  double           preprocess_s;  /* wall-clock seconds (0 for tensors) */
  double           forward_s;     /* wall-clock seconds in the forward passes */
  /* batch × grid_h × grid_w attention rollout, 0..1, over the input the
   * task's preprocessing made; NULL unless fovea_engine_set_rollout. */
  float           *rollout;
  int              grid_h, grid_w;
} FoveaEngineOutput;

GQuark                 fovea_engine_error_quark (void);

/* Loads the backbone from a hub-layout folder, and its card if it has one.
 * n_threads ≤ 0: one per core. */
FoveaEngine           *fovea_engine_new         (const char  *model_dir,
                                                 int          n_threads,
                                                 GError     **error);
void                   fovea_engine_free        (FoveaEngine *engine);

/* The thread count forward passes use (n_threads ≤ 0 resolved). */
int                    fovea_engine_get_n_threads (const FoveaEngine *engine);

/* Whether later runs also compute each image's attention rollout (off by
 * default). Their forward passes then keep every block's attention maps:
 * depth × heads × tokens² floats per image of the batch (22 MiB for
 * ViT-B/16 at 224×224); tests/bench/bench-rollout.c measures the time. */
void                   fovea_engine_set_rollout (FoveaEngine *engine,
                                                 gboolean     rollout);

/* Loads an adapter (PEFT folder or MeLo file; options may be NULL) and its
 * card as a new task. Returns its index, or -1 with an error; nothing is
 * added then. */
int                    fovea_engine_add_adapter (FoveaEngine               *engine,
                                                 const char                *path,
                                                 const FoveaAdapterOptions *options,
                                                 GError                   **error);

guint                  fovea_engine_get_n_tasks (const FoveaEngine *engine);
const FoveaEngineTask *fovea_engine_get_task    (const FoveaEngine *engine,
                                                 guint              index);
/* -1 when no task has that name. */
int                    fovea_engine_find_task   (const FoveaEngine *engine,
                                                 const char        *name);

/* Runs a task on batch tensors, 3 × height × width each, already
 * normalised. */
FoveaEngineOutput     *fovea_engine_run_tensor  (FoveaEngine  *engine,
                                                 guint         task,
                                                 const float  *pixels,
                                                 int           batch,
                                                 int           height,
                                                 int           width,
                                                 GError      **error);
/* Preprocesses each image as the task says, then runs them as one batch. */
FoveaEngineOutput     *fovea_engine_run_images  (FoveaEngine             *engine,
                                                 guint                    task,
                                                 const FoveaImage *const *images,
                                                 int                      n_images,
                                                 GError                 **error);
void                   fovea_engine_output_free (FoveaEngineOutput *output);

/* Grad-CAM of one image for task (fovea-gradcam.h): target_class < 0
 * explains the predicted class. Returns grid_h × grid_w values ≥ 0 over
 * the input the task's preprocessing makes (g_free), for
 * fovea_input_map_to_image. The task's frozen training model is made on
 * first use and kept (it refers to the backbone's weights, no copy). The
 * task must run at the model's own input size. */
float                 *fovea_engine_gradcam     (FoveaEngine       *engine,
                                                 guint              task,
                                                 const FoveaImage  *image,
                                                 int                target_class,
                                                 int               *grid_h,
                                                 int               *grid_w,
                                                 FoveaGradcamInfo  *info,
                                                 GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEngine, fovea_engine_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEngineOutput, fovea_engine_output_free)

G_END_DECLS
