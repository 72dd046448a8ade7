/* fovea-cli-data.h: the options that say where labelled data comes from,
 * shared by `train` and `evaluate`: --labels, --label-column,
 * --split-file, --images and --label-map. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char   *labels, *label_column, *split_file, *images, *label_map_text;
  GArray *label_map;  /* int: task label of each data label; empty: as they are */
} FoveaCliDataOptions;

/* Adds the options' entries to context's main group; options must live
 * until parsing is done. */
void     fovea_cli_data_options_add   (FoveaCliDataOptions *options,
                                       GOptionContext      *context);
/* After parsing: checks --label-map. On failure prints "fovea-cli
 * COMMAND: …" to stderr and returns FALSE. */
gboolean fovea_cli_data_options_parse (FoveaCliDataOptions *options,
                                       const char          *command);
void     fovea_cli_data_options_clear (FoveaCliDataOptions *options);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FoveaCliDataOptions, fovea_cli_data_options_clear)

G_END_DECLS
