/* fovea-engine.h: running models, the one way the CLI, the GUI and batch
 * grading do it.
 *
 * An engine holds one frozen backbone, a Vision Transformer or a CNN
 * (fovea-engine-backbone.h: config.json's architecture says which), and
 * any number of tasks. Task 0 is the backbone itself (its own head); each
 * adapter added is one more task on the same backbone, switched per call
 * by a pointer: a FoveaLora on a ViT, a FoveaCnnAdapter (a new head,
 * LoRA merged into copies of the 1×1 convolutions it adapts) on a CNN.
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
 * Forward passes reuse one backbone run per input size, created on first
 * use and grown when a larger batch comes. An engine is not thread-safe:
 * use it from one thread at a time.
 *
 * On request an engine also explains: each image's attention rollout
 * (fovea-rollout.h) on the patch grid, a ViT's only (a CNN has no
 * attention to roll out), or a task's Grad-CAM: fovea-gradcam.h's on a
 * ViT, the class activation map on a CNN (fovea-cam.h, which is Grad-CAM
 * of the last convolutional block for a pooled linear head), both put
 * back onto the image by fovea-input-map.h. */
#pragma once

#include "fovea-engine-backbone.h"
#include "fovea-gradcam.h"
#include "fovea-image.h"
#include "fovea-preprocess.h"
#include "fovea-task-card.h"

G_BEGIN_DECLS

#define FOVEA_ENGINE_ERROR (fovea_engine_error_quark ())
/* Larger batches are run in chunks of this many images, bounding the arena. */
#define FOVEA_ENGINE_MAX_BATCH 16

typedef struct _FoveaEngine FoveaEngine;

typedef enum {
  FOVEA_ENGINE_ERROR_CARD,   /* a card that does not fit its task or its weights */
  FOVEA_ENGINE_ERROR_TASK,   /* two tasks with one name */
  FOVEA_ENGINE_ERROR_INPUT,  /* an input of the wrong shape */
  FOVEA_ENGINE_ERROR_UNSUPPORTED,  /* what this backbone's family cannot do */
  FOVEA_ENGINE_ERROR_NO_MEMORY, /* an allocation failed: may pass on another try */
} FoveaEngineError;

typedef struct {
  char            *name;
  char            *weights_path;  /* model.safetensors (or pytorch_model.bin), adapter_model.safetensors or the MeLo file */
  FoveaEngineAdapter *adapter;    /* NULL for the backbone */
  FoveaTaskCard   *card;          /* NULL: uncalibrated */
  char            *card_path;     /* NULL without a card */
  int              n_outputs;     /* logits per image */
  FoveaPreprocess  preprocess;    /* the model's pretrained_cfg, overridden by the card */
  /* The names of the backbone's own head's outputs from config.json's
   * label_names (what it was pretrained on, e.g. ImageNet's classes),
   * when they fit its outputs; NULL for adapters and otherwise. Not a
   * clinical reading: that is the card's. */
  GStrv            label_names;
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
/* The same with the precision of the backbone's linear layers
 * (fovea-precision.h; fovea_engine_new's is AUTO). BF16 on a CPU without
 * AVX512-BF16 fails with FOVEA_MODEL_ERROR_PRECISION. */
FoveaEngine           *fovea_engine_new_with_precision (const char     *model_dir,
                                                        int             n_threads,
                                                        FoveaPrecision  precision,
                                                        GError        **error);
/* What the backbone runs in: FP32 or BF16. */
FoveaPrecision         fovea_engine_get_precision (const FoveaEngine *engine);
void                   fovea_engine_free        (FoveaEngine *engine);

/* Which family the backbone is. */
FoveaBackboneFamily    fovea_engine_get_family  (const FoveaEngine *engine);

/* The thread count forward passes use (n_threads ≤ 0 resolved). */
int                    fovea_engine_get_n_threads (const FoveaEngine *engine);

/* Whether later runs also compute each image's attention rollout (off by
 * default). Their forward passes then keep every block's attention maps:
 * depth × heads × tokens² floats per image of the batch (22 MiB for
 * ViT-B/16 at 224×224); tests/bench/bench-rollout.c measures the time.
 * A CNN has no attention: its outputs then carry no rollout (NULL);
 * fovea_engine_has_attention says so beforehand. */
void                   fovea_engine_set_rollout (FoveaEngine *engine,
                                                 gboolean     rollout);
/* Whether the backbone has attention maps to roll out (a ViT). */
gboolean               fovea_engine_has_attention (const FoveaEngine *engine);

/* Loads an adapter (PEFT folder, or MeLo file on a ViT; options may be
 * NULL) and its card as a new task. Returns its index, or -1 with an
 * error; nothing is added then. */
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

/* Grad-CAM of one image for task: target_class < 0 explains the
 * predicted class. Returns grid_h × grid_w values ≥ 0 over the input the
 * task's preprocessing makes (g_free), for fovea_input_map_to_image.
 * On a ViT (fovea-gradcam.h) the grid is the patch grid; the task's
 * frozen training model is made on first use and kept (it refers to the
 * backbone's weights, no copy), and the task must run at the model's own
 * input size. On a CNN it is the class activation map (fovea-cam.h) over
 * the last feature map, at any input size; a headless CNN task (pooled
 * features out) has none: FOVEA_ENGINE_ERROR_UNSUPPORTED. */
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
