/* fovea-cli.c: the headless entry point. Dispatches to one sub-command. */
#define G_LOG_DOMAIN "fovea-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "fovea-cli-commands.h"

typedef struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} FoveaCliCommand;

static const FoveaCliCommand commands[] = {
  { "inspect", fovea_cli_inspect,
    "Decode images; report size, modality, field of view and quality" },
  { "infer", fovea_cli_infer,
    "Run a model and its task adapters on images or an input tensor" },
  { "bench", fovea_cli_bench,
    "Time a model's forward pass" },
  { "grade", fovea_cli_grade,
    "Grade folders of images into a CSV (quality first, then each task)" },
  { "merge", fovea_cli_merge,
    "Merge the CSVs of sharded grade runs into one" },
  { "report", fovea_cli_report,
    "Grade images and write a PDF report (one A4 page-set per image)" },
  { "train", fovea_cli_train,
    "Train a LoRA adapter or a whole small ViT on labelled images" },
  { "evaluate", fovea_cli_evaluate,
    "A task's figures on labelled images, with 95% bootstrap intervals" },
  { "segment", fovea_cli_segment,
    "Write segmentation maps (vessels, optic disc, lesions) and measurements" },
  { "explain", fovea_cli_explain,
    "Write a saliency or anomaly map of an image" },
  { "anomaly-bank", fovea_cli_anomaly_bank,
    "Build a PatchCore memory bank from normal images" },
  { "convert", fovea_cli_convert,
    "Write a PyTorch checkpoint as a hub folder (model.safetensors)" },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream,
           "Usage: fovea-cli COMMAND [OPTION…] [ARGUMENT…]\n\n"
           "Fovea %s: review of fundus, skin and OCTA images (research use).\n\n"
           "Commands:\n", FOVEA_VERSION);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-13s %s\n", commands[i].name, commands[i].summary);
  fprintf (stream, "\nRun 'fovea-cli COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_usage (stderr);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return FOVEA_CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("fovea-cli %s\n", FOVEA_VERSION);
      return FOVEA_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        return commands[i].run (argc - 1, argv + 1);
    }

  fprintf (stderr, "fovea-cli: unknown command “%s”\n\n", argv[1]);
  print_usage (stderr);
  return FOVEA_CLI_EXIT_FATAL;
}
