/* fovea-hub-config.h: what every model family's config.json (the Hugging
 * Face hub layout that timm writes) has in common: strict readers for its members, the parse itself, and
 * pretrained_cfg — how pixels become the input tensor:
 *
 *   {"architecture": "...", "num_classes": 5, "model_args": {...},
 *    "pretrained_cfg": {"mean": [..], "std": [..], "input_size": [3, 224, 224],
 *                       "interpolation": "bicubic", "crop_pct": 0.9, ...}}
 *
 * Each family (fovea-vit-config.c, fovea-cnn-config.c) resolves its own
 * architecture names and model_args with these. Every error names the
 * file and the member. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "fovea-model-error.h"
#include "fovea-resize.h"

G_BEGIN_DECLS

/* Larger sizes are not real models, and would overflow the arithmetic
 * of whoever allocates for them. */
#define FOVEA_HUB_MAX_SIZE 100000

/* Where a config is being read from, for messages. */
typedef struct {
  const char *file;
  GError    **error;
} FoveaHubReader;

/* Sets a FOVEA_MODEL_ERROR_CONFIG error "file: problem"; returns FALSE. */
gboolean fovea_hub_fail              (FoveaHubReader *reader,
                                      const char     *format,
                                      ...) G_GNUC_PRINTF (2, 3);
gboolean fovea_hub_holds_type        (JsonNode       *node,
                                      GType           type);
gboolean fovea_hub_in_list           (const char *const *list,
                                      gsize           n,
                                      const char     *key);
/* An integer from min to FOVEA_HUB_MAX_SIZE. */
gboolean fovea_hub_read_int          (FoveaHubReader *reader,
                                      JsonNode       *node,
                                      const char     *key,
                                      int             min,
                                      int            *out);
gboolean fovea_hub_read_number       (FoveaHubReader *reader,
                                      JsonNode       *node,
                                      const char     *key,
                                      double         *out);
gboolean fovea_hub_read_bool         (FoveaHubReader *reader,
                                      JsonNode       *node,
                                      const char     *key,
                                      gboolean       *out);
gboolean fovea_hub_read_number_array (FoveaHubReader *reader,
                                      JsonNode       *node,
                                      const char     *key,
                                      double         *out,
                                      guint           n);

/* Reads the root object of config.json: the text must be UTF-8 and
 * strict JSON (fovea-json-check.h) holding an object, which is handed to
 * load. file names the config in messages. */
typedef gboolean (*FoveaHubLoadFunc) (FoveaHubReader *reader,
                                      JsonObject     *root,
                                      gpointer        data);
gboolean fovea_hub_config_parse      (const char     *json,
                                      gsize           length,
                                      const char     *file,
                                      FoveaHubLoadFunc load,
                                      gpointer        data,
                                      GError        **error);
gboolean fovea_hub_config_parse_file (const char     *path,
                                      FoveaHubLoadFunc load,
                                      gpointer        data,
                                      GError        **error);

/* The "architecture" of model_dir/config.json, which says which family
 * (fovea_cnn_architecture_is_known, else a ViT) loads the folder: what a
 * generic backbone dispatches on. NULL with an error if the file cannot
 * be read or has no architecture string. */
char    *fovea_hub_config_read_architecture (const char *model_dir,
                                             GError    **error);

/* The "label_names" of model_dir/config.json (timm's: the name of each
 * output of the model's own head, in order), in *label_names; NULL when
 * it has none. FALSE with an error when the file cannot be read, or the
 * member is not a list of strings. Names say what a pretraining head
 * (ImageNet's) was trained on, not what a clinical task means: that is a
 * task card's (fovea-task-card.h). */
gboolean fovea_hub_config_read_label_names  (const char *model_dir,
                                             GStrv      *label_names,
                                             GError    **error);

/* pretrained_cfg's members that change the arithmetic. */
typedef struct {
  float             mean[3];
  float             std[3];
  int               input_size[3];   /* channels, height, width */
  FoveaResizeFilter interpolation;
  double            crop_pct;
} FoveaPretrainedCfg;

/* The object holding pretrained_cfg's keys: root's "pretrained_cfg", or
 * root itself in older hub configs that have none. NULL (error set)
 * when pretrained_cfg is not an object. */
JsonObject *fovea_hub_get_pretrained_cfg  (FoveaHubReader     *reader,
                                           JsonObject         *root);
/* Overrides out's members with those cfg has, checking each. */
gboolean    fovea_hub_read_pretrained_cfg (FoveaHubReader     *reader,
                                           JsonObject         *cfg,
                                           FoveaPretrainedCfg *out);
/* num_classes from the root, else from cfg; *num_classes is unchanged
 * when neither has one. */
gboolean    fovea_hub_read_num_classes    (FoveaHubReader     *reader,
                                           JsonObject         *root,
                                           JsonObject         *cfg,
                                           int                *num_classes);

G_END_DECLS
