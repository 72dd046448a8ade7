/* fovea-adapter-peft-config.h: a PEFT LoraConfig (adapter_config.json) and
 * PEFT's rules for which modules it adapts, with what rank and scaling.
 *
 * Module names are the backbone's, as timm names them: "blocks.3.attn.qkv",
 * "head". The rules, as in peft.tuners.tuners_utils.check_target_module_exists
 * and peft.utils.other.get_pattern_key:
 * - target_modules as a string is a regex that must match the whole name;
 *   as a list, an entry matches a name equal to it or ending in "." + it;
 * - exclude_modules, the same way, removes names; so do modules_to_save
 *   (a module saved whole is never also given a LoRA);
 * - layers_to_transform (list form of target_modules only) keeps the
 *   blocks with those indices; layers_pattern, if set, must name "blocks";
 * - rank_pattern / alpha_pattern: the first key k (in file order) such that
 *   the name matches the regex (.*\.)?(k) in full gives r / lora_alpha;
 * - scaling = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora.
 * fan_in_fan_out is read and ignored, as PEFT ignores it on nn.Linear
 * layers (it sets it back to false): lora_A and lora_B are always stored
 * as nn.Linear weights, r × in and out × r. */
#pragma once

#include "fovea-lora.h"

G_BEGIN_DECLS

typedef struct {
  GRegex *regex;  /* a string target_modules / exclude_modules, or NULL */
  GStrv   names;  /* the list form, or NULL */
} FoveaPeftModules;

typedef struct {
  GRegex *regex;
  double  value;
} FoveaPeftPattern;

typedef struct {
  int               r;
  double            lora_alpha;
  gboolean          use_rslora;
  FoveaPeftModules  target_modules;
  FoveaPeftModules  exclude_modules;
  GPtrArray        *modules_to_save;      /* GRegex*, PEFT's (^|.*\.)m($|\..*) */
  GArray           *layers_to_transform;  /* int; NULL: every block */
  gboolean          layers_pattern_blocks;/* layers_pattern unset or names "blocks" */
  GArray           *rank_pattern;         /* FoveaPeftPattern */
  GArray           *alpha_pattern;        /* FoveaPeftPattern */
} FoveaPeftConfig;

/* lora only names the adapter in error messages. */
gboolean fovea_peft_config_parse      (FoveaPeftConfig *config,
                                       const char      *json,
                                       gssize           length,
                                       const FoveaLora *lora,
                                       GError         **error);
void     fovea_peft_config_clear      (FoveaPeftConfig *config);

/* Whether the config gives module a LoRA; block is the module's block
 * index, or -1 outside the blocks. */
gboolean fovea_peft_config_targets    (const FoveaPeftConfig *config,
                                       const char            *module,
                                       int                    block);
/* Whether module is listed in modules_to_save. */
gboolean fovea_peft_config_saves      (const FoveaPeftConfig *config,
                                       const char            *module);
/* The module's rank and scaling. */
void     fovea_peft_config_rank_scale (const FoveaPeftConfig *config,
                                       const char            *module,
                                       int                   *rank,
                                       float                 *scale);

G_END_DECLS
