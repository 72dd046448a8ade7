/* fovea-cli-anomaly-bank.c: `fovea-cli anomaly-bank --model DIR
 *   [--adapter PATH] [--layer N | --stages A,B] [--input-size N] [--modality M]
 *   --images DIR… --out BANK.safetensors [--coreset 0.1] [--seed S]
 *   [--projection N] [--sigma S] [--score max|mean] [--note TEXT]`
 *
 * Builds a PatchCore memory bank from a folder of normal images: the
 * patch features of one ViT layer or of a CNN's stages (locally averaged,
 * concatenated on the finest grid), a greedy coreset of them, and the
 * leave-one-image-out scores that calibrate the image score; the card
 * (in the file's __metadata__) records what `explain` needs to check that
 * it runs the bank on the same backbone. */
#define G_LOG_DOMAIN "fovea-cli-anomaly-bank"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fovea-anomaly.h"
#include "fovea-cli-commands.h"
#include "fovea-cli-paths.h"
#include "fovea-cli-threads.h"
#include "fovea-output-guard.h"

#define COMMAND "fovea-cli anomaly-bank"

static gboolean
parse_score_kind (const char *name, FoveaPatchScore *kind)
{
  if (name == NULL || strcmp (name, "max") == 0)
    *kind = FOVEA_PATCH_SCORE_MAX;
  else if (strcmp (name, "mean") == 0)
    *kind = FOVEA_PATCH_SCORE_MEAN;
  else
    return FALSE;
  return TRUE;
}

/* "6,13": increasing block indices, at most FOVEA_PATCHCORE_MAX_STAGES. */
static gboolean
parse_stages (const char *text, int *stages, int *n_stages)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  int n = 0;
  for (int i = 0; parts[i] != NULL; i++)
    {
      guint64 value;
      if (n == FOVEA_PATCHCORE_MAX_STAGES ||
          !g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, 4096, &value, NULL) ||
          (n > 0 && (int) value <= stages[n - 1]))
        return FALSE;
      stages[n++] = (int) value;
    }
  *n_stages = n;
  return n > 0;
}

int
fovea_cli_anomaly_bank (int argc, char **argv)
{
  g_autofree char *model = NULL, *adapter = NULL, *out = NULL, *modality_name = NULL;
  g_autofree char *score_name = NULL, *note = NULL, *stages_text = NULL;
  int stages[FOVEA_PATCHCORE_MAX_STAGES];
  g_auto (GStrv) images = NULL;
  FoveaAnomalyOptions options;
  FoveaAnomalyBankOptions bank_options;
  fovea_anomaly_options_init (&options);
  fovea_anomaly_bank_options_init (&bank_options);
  double ratio = bank_options.coreset_ratio, sigma = bank_options.smoothing_sigma;
  gint64 seed = 0;
  int layer = options.layer, input_size = 0, projection = bank_options.projection_dim;
  int n_threads = 0;
  gboolean force = FALSE;
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Backbone folder (config.json + model.safetensors)", "DIR" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME, &adapter,
      "PEFT adapter folder or MeLo file applied to the backbone", "PATH" },
    { "layer", 'l', 0, G_OPTION_ARG_INT, &layer,
      "ViT: block whose output tokens are the features (-1: final norm; default 0)", "N" },
    { "stages", 0, 0, G_OPTION_ARG_STRING, &stages_text,
      "CNN: blocks whose outputs are aggregated into the features (default 6,13)", "A,B" },
    { "input-size", 0, 0, G_OPTION_ARG_INT, &input_size,
      "Square input side in pixels (default: the model's)", "N" },
    { "modality", 0, 0, G_OPTION_ARG_STRING, &modality_name,
      "fundus (crops to the field of view; default), octa or skin", "M" },
    { "images", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &images,
      "Folder (or file) of normal images (repeatable)", "DIR" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Bank file to write (safetensors)", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing bank", NULL },
    { "coreset", 'c', 0, G_OPTION_ARG_DOUBLE, &ratio,
      "Share of the patches kept by the greedy coreset, in (0, 1] (default 0.1)", "R" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
      "Seed of the coreset's start and random projection (default 0)", "S" },
    { "projection", 0, 0, G_OPTION_ARG_INT, &projection,
      "Coreset distances on a random projection to N dimensions (0: exact; default 128)", "N" },
    { "sigma", 0, 0, G_OPTION_ARG_DOUBLE, &sigma,
      "Gaussian smoothing of the map, in patches (default 0.5)", "S" },
    { "score", 0, 0, G_OPTION_ARG_STRING, &score_name,
      "Image score: max of the map (lesions; default) or mean (quality)", "KIND" },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note,
      "Text for the bank's card: why this backbone and layer", "TEXT" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads for the forward pass " FOVEA_CLI_THREADS_HELP, "N" },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("— build an anomaly memory bank");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Builds a PatchCore memory bank of patch features from normal images, for\n"
    "`fovea-cli explain --kind anomaly`. The bank only fits the backbone (and\n"
    "adapter) it was built with; its card records them.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("anomaly-bank", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (model == NULL || images == NULL || out == NULL)
    {
      fprintf (stderr, COMMAND ": --model DIR, --images DIR and --out FILE are required\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (argc > 1)
    {
      fprintf (stderr, COMMAND ": unexpected argument “%s”\n", argv[1]);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (modality_name != NULL && !fovea_modality_from_string (modality_name, &options.modality))
    {
      fprintf (stderr, COMMAND ": unknown modality “%s” (fundus, octa, skin)\n", modality_name);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (stages_text != NULL && !parse_stages (stages_text, stages, &options.n_stages))
    {
      fprintf (stderr, COMMAND ": --stages must be 1 to %d increasing block numbers "
               "separated by commas, not “%s”\n", FOVEA_PATCHCORE_MAX_STAGES, stages_text);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (options.n_stages > 0)
    options.stages = stages;
  if (!parse_score_kind (score_name, &bank_options.score_kind))
    {
      fprintf (stderr, COMMAND ": --score must be max or mean, not “%s”\n", score_name);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!(ratio > 0.0 && ratio <= 1.0) || sigma < 0.0 || seed < 0 || projection < 0)
    {
      fprintf (stderr, COMMAND ": --coreset must lie in (0, 1]; --sigma, --seed and "
               "--projection must not be negative\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  fovea_output_guard_add_all (reads, (const char *const *) images);
  g_ptr_array_add (reads, model);
  g_ptr_array_add (reads, adapter);
  if (!fovea_output_guard_check (out, reads, force, &error))
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (GPtrArray) paths = fovea_cli_expand_paths (images, FALSE);
  if (paths->len == 0)
    {
      fprintf (stderr, COMMAND ": no supported image found in --images\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  options.model_dir = model;
  options.adapter_path = adapter;
  options.layer = layer;
  options.input_size = input_size;
  options.n_threads = n_threads;
  bank_options.coreset_ratio = ratio;
  bank_options.seed = (guint64) seed;
  bank_options.projection_dim = projection;
  bank_options.smoothing_sigma = sigma;
  bank_options.note = note;

  gint64 start = g_get_monotonic_time ();
  g_autoptr (FoveaAnomaly) anomaly = fovea_anomaly_new (&options, &error);
  const FoveaPatchBank *bank = anomaly == NULL ? NULL
    : fovea_anomaly_build_bank (anomaly, (const char *const *) paths->pdata, (int) paths->len,
                                &bank_options, &error);
  if (bank == NULL || !fovea_patch_bank_save (bank, out, &error))
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  double seconds = (g_get_monotonic_time () - start) / 1e6;

  const FoveaPatchCard *card = &bank->card;
  g_autoptr (GString) features = g_string_new (NULL);
  if (card->backbone_kind == FOVEA_PATCH_BACKBONE_CNN)
    for (int i = 0; i < card->n_stages; i++)
      g_string_append_printf (features, "%s%d", i == 0 ? "stages " : ",", card->stages[i]);
  else
    g_string_printf (features, "layer %d", card->layer);
  printf ("%s: %d of %" G_GINT64_FORMAT " patches kept (coreset %.3g, radius %.4g) from %u "
          "image(s), %d dimensions, %s at %d×%d\n", out, bank->n,
          card->n_source_patches, card->coreset_ratio, card->coreset_radius, paths->len,
          bank->dim, features->str, card->input_width, card->input_height);
  printf ("normal image scores (leave one image out): max %.4g, mean %.4g, sd %.4g\n",
          card->normal_score_max, card->normal_score_mean, card->normal_score_std);
  printf ("built in %.2f s\n", seconds);
  return FOVEA_CLI_EXIT_OK;
}
