/* fovea-cli-train-seg.c: `fovea-cli train` for a segmentation task card:
 * a Unet trained on image/mask folders (fovea-seg-trainer.h). */
#define G_LOG_DOMAIN "fovea-cli-train-seg"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fovea-cli-commands.h"
#include "fovea-cli-threads.h"
#include "fovea-output-guard.h"
#include "fovea-seg-trainer.h"
#include "fovea-task-card.h"

/* The --task-card argument, before the options are parsed. */
static const char *
find_card (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--task-card") == 0 && i + 1 < argc)
        return argv[i + 1];
      if (g_str_has_prefix (argv[i], "--task-card="))
        return argv[i] + strlen ("--task-card=");
    }
  return NULL;
}

gboolean
fovea_cli_train_is_segmentation (int argc, char **argv)
{
  const char *card_path = find_card (argc, argv);
  if (card_path == NULL)
    return FALSE;
  /* A card that does not load is left for the classifier path to report. */
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, NULL);
  return card != NULL && card->kind == FOVEA_TASK_SEGMENTATION;
}

static gboolean
parse_weights (const char *text, GArray *out)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      double w = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (w) || w < 0)
        return FALSE;
      g_array_append_val (out, w);
    }
  return out->len > 0;
}

static void
on_progress (const FoveaSegTrainerProgress *p, gpointer user_data)
{
  gboolean tty = GPOINTER_TO_INT (user_data);
  if (p->evaluated)
    fprintf (stderr, tty ? "\r\033[Kepoch %d/%d  val %.4f%s\n" : "epoch %d/%d  val %.4f%s\n",
             p->epoch, p->epochs, p->score, p->best ? "  (best so far)" : "");
  else if (tty)
    fprintf (stderr, "\r\033[Kepoch %d/%d  step %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
             "  loss %.4f  lr %.2e  %.1f patches/s", p->epoch, p->epochs, p->step, p->steps,
             p->loss, p->lr, p->patches_per_second);
  else
    fprintf (stderr, "epoch %d/%d  step %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
             "  loss %.4f  lr %.2e  %.1f patches/s\n", p->epoch, p->epochs, p->step, p->steps,
             p->loss, p->lr, p->patches_per_second);
  fflush (stderr);
}

int
fovea_cli_train_seg (int argc, char **argv, const char *command_line)
{
  FoveaSegTrainerOptions o;
  g_autofree char *model = NULL, *card = NULL, *data = NULL, *split = NULL, *out = NULL;
  g_autofree char *augment = NULL, *select = NULL, *weights = NULL, *threads_text = NULL;
  g_autofree char *pos = NULL;
  gboolean full = FALSE;
  double seed = 1;
  fovea_seg_trainer_options_init (&o);
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "MobileNetV2 folder the encoder starts from (resources/models/mobilenetv2-imagenet)",
      "DIR" },
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, "Accepted: a segmentation network is trained "
      "whole", NULL },
    { "task-card", 0, 0, G_OPTION_ARG_FILENAME, &card,
      "Segmentation card: labels, colours, thresholds, fov_diameter", "CARD" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data,
      "ROOT with images/, masks/LABEL/ and optionally fov/", "ROOT" },
    { "split", 0, 0, G_OPTION_ARG_FILENAME, &split,
      "file,split table: train, val, held-out", "CSV" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output folder", "DIR" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "Epochs (default 20)", "N" },
    { "f16", 0, 0, G_OPTION_ARG_NONE, &o.save_f16,
      "Write the model in F16 (half the bytes; validation scores that model; may be set "
      "when resuming)", NULL },
    { "patience", 0, 0, G_OPTION_ARG_INT, &o.patience,
      "Stop early once N epochs pass without a better validation score, writing the best "
      "(default 0: run every epoch; may be set when resuming)", "N" },
    { "patches", 0, 0, G_OPTION_ARG_INT, &o.patches, "Patches per epoch (default 512)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "Patches per step (default 8)", "B" },
    { "patch", 0, 0, G_OPTION_ARG_INT, &o.patch,
      "Patch side in pixels, a multiple of 32 (default 256)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.lr, "Peak learning rate (default 1e-3)", "LR" },
    { "min-lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.min_lr, "Final learning rate (default 1e-5)",
      "LR" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &o.weight_decay,
      "AdamW's weight decay (default 1e-4)", "WD" },
    { "warmup-epochs", 0, 0, G_OPTION_ARG_DOUBLE, &o.warmup_epochs,
      "Linear warm-up before the cosine decay (default 1)", "E" },
    { "bce-weight", 0, 0, G_OPTION_ARG_DOUBLE, &o.bce_weight, "Weight of BCE (default 1)",
      "W" },
    { "dice-weight", 0, 0, G_OPTION_ARG_DOUBLE, &o.dice_weight,
      "Weight of the soft Dice loss (default 1)", "W" },
    { "class-weights", 0, 0, G_OPTION_ARG_STRING, &weights,
      "BCE weight per label, in the card's order (default all 1)", "W,W,…" },
    { "pos-weights", 0, 0, G_OPTION_ARG_STRING, &pos,
      "BCE weight of the positive pixels per label (PyTorch's pos_weight; default all 1)",
      "W,W,…" },
    { "augment", 0, 0, G_OPTION_ARG_STRING, &augment,
      "domain (default: geometry, colour, gamma, contrast, blur, noise, illumination), "
      "plain (geometry only) or none", "MODE" },
    { "select", 0, 0, G_OPTION_ARG_STRING, &select,
      "Validation metric that picks the epoch, averaged over labels: ap (default), dice, "
      "auc or iou", "METRIC" },
    { "seed", 0, 0, G_OPTION_ARG_DOUBLE, &seed, "Seed of every random choice (default 1)",
      "S" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text, "Threads " FOVEA_CLI_THREADS_HELP,
      "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &o.resume,
      "Continue from OUT.checkpoint.safetensors after an interruption", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "Replace an existing output", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context =
    g_option_context_new ("— train a segmentation model (a segmentation task card)");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli train: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("train", "--threads", threads_text, &o.threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (argc > 1)
    {
      fprintf (stderr, "fovea-cli train: unexpected argument “%s”\n", argv[1]);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (model == NULL || data == NULL || split == NULL || out == NULL)
    {
      fprintf (stderr, "fovea-cli train: a segmentation card needs --model DIR, --data ROOT, "
               "--split CSV and --out DIR\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (augment != NULL && !fovea_seg_augment_parse_mode (augment, &o.augment))
    {
      fprintf (stderr, "fovea-cli train: --augment must be domain, plain or none\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (select != NULL && !fovea_seg_select_parse (select, &o.select))
    {
      fprintf (stderr, "fovea-cli train: --select must be ap, dice, auc or iou for a "
               "segmentation card\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (GArray) class_weights = g_array_new (FALSE, FALSE, sizeof (double));
  if (weights != NULL && !parse_weights (weights, class_weights))
    {
      fprintf (stderr, "fovea-cli train: --class-weights must be numbers ≥ 0 separated by "
               "commas\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (GArray) pos_weights = g_array_new (FALSE, FALSE, sizeof (double));
  if (pos != NULL && !parse_weights (pos, pos_weights))
    {
      fprintf (stderr, "fovea-cli train: --pos-weights must be numbers ≥ 0 separated by "
               "commas\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!(seed >= 0) || seed > 9007199254740992.0 || seed != floor (seed))
    {
      fprintf (stderr, "fovea-cli train: --seed must be a whole number ≥ 0\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (o.resume && o.force)
    {
      fprintf (stderr, "fovea-cli train: --resume and --force contradict each other\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (GPtrArray) reads = g_ptr_array_new_with_free_func (g_free);
  const char *read_args[] = { model, card, data, split };
  for (guint i = 0; i < G_N_ELEMENTS (read_args); i++)
    if (read_args[i] != NULL)
      g_ptr_array_add (reads, g_strdup (read_args[i]));
  if (!fovea_output_guard_check (out, reads, TRUE, &error))
    {
      fprintf (stderr, "fovea-cli train: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  o.init_dir = model;
  o.card_path = card;
  o.data_root = data;
  o.split_csv = split;
  o.out_dir = out;
  o.seed = (guint64) seed;
  o.class_weights = (const double *) class_weights->data;
  o.n_class_weights = (int) class_weights->len;
  o.pos_weights = (const double *) pos_weights->data;
  o.n_pos_weights = (int) pos_weights->len;
  o.command_line = command_line;
  gboolean tty = isatty (fileno (stderr));
  if (!fovea_seg_trainer_run (&o, on_progress, GINT_TO_POINTER (tty), NULL, &error))
    {
      fprintf (stderr, "%sfovea-cli train: %s\n", tty ? "\n" : "", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  fprintf (stderr, "fovea-cli train: wrote %s\n", out);
  return FOVEA_CLI_EXIT_OK;
}
