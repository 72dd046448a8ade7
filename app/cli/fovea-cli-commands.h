/* fovea-cli-commands.h: the sub-commands of fovea-cli. Each takes the
 * arguments after its own name (argv[0] is the command name) and returns
 * the process exit status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses shared by every command. */
enum {
  FOVEA_CLI_EXIT_OK = 0,
  FOVEA_CLI_EXIT_FATAL = 1,         /* bad usage, nothing done */
  FOVEA_CLI_EXIT_SOME_FAILED = 3,   /* finished, but some files failed */
};

int fovea_cli_inspect (int argc, char **argv);
int fovea_cli_infer   (int argc, char **argv);
int fovea_cli_bench   (int argc, char **argv);
int fovea_cli_grade   (int argc, char **argv);
int fovea_cli_merge   (int argc, char **argv);
int fovea_cli_report  (int argc, char **argv);
int fovea_cli_train   (int argc, char **argv);
/* fovea-cli-train-seg.c: train with a segmentation card. */
gboolean fovea_cli_train_is_segmentation (int argc, char **argv);
int fovea_cli_train_seg (int argc, char **argv, const char *command_line);
int fovea_cli_evaluate (int argc, char **argv);
int fovea_cli_explain (int argc, char **argv);
int fovea_cli_anomaly_bank (int argc, char **argv);
int fovea_cli_convert (int argc, char **argv);
int fovea_cli_segment (int argc, char **argv);

G_END_DECLS
