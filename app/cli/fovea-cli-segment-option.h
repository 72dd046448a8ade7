/* fovea-cli-segment-option.h: the --segment option that grade and report
 * share: segmentation tasks by name or model folder, repeated or
 * comma-separated, loaded before any output is touched. */
#pragma once

#include "fovea-seg-tasks.h"

G_BEGIN_DECLS

#define FOVEA_CLI_SEGMENT_HELP \
  "Also segment each gradable image and measure it: installed segmentation tasks " \
  "(vessels, optic-disc, lesions) or model folders, comma-separated or repeated"

/* "a,b" and repeated options: one list, blanks dropped. */
GStrv          fovea_cli_split_list     (char *const *args);
/* The tasks of --segment's arguments (NULL or none: NULL, no message);
 * NULL with *failed set and a message printed when one cannot be
 * loaded. */
FoveaSegTasks *fovea_cli_load_seg_tasks (const char  *command,
                                         char *const *args,
                                         int          n_threads,
                                         gboolean    *failed);

G_END_DECLS
