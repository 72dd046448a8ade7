/* fovea-cli-train.c: `fovea-cli train`: a LoRA adapter, a new head or a
 * whole network (a ViT, or a ResNet / MobileNetV2) trained on labelled
 * images, written with its filled-in task card. */
#define G_LOG_DOMAIN "fovea-cli-train"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fovea-cli-commands.h"
#include "fovea-cli-data.h"
#include "fovea-cli-threads.h"
#include "fovea-output-guard.h"
#include "fovea-spmix.h"
#include "fovea-trainer.h"

typedef struct {
  const char *name;
  guint       target;
} TargetName;

/* Both the short names of --lora and timm's module names. */
static const TargetName target_names[] = {
  { "qkv.q", FOVEA_TRAIN_TARGET_Q }, { "qkv.k", FOVEA_TRAIN_TARGET_K },
  { "qkv.v", FOVEA_TRAIN_TARGET_V }, { "qkv", FOVEA_TRAIN_TARGET_QKV },
  { "attn.qkv", FOVEA_TRAIN_TARGET_QKV }, { "proj", FOVEA_TRAIN_TARGET_PROJ },
  { "attn.proj", FOVEA_TRAIN_TARGET_PROJ }, { "fc1", FOVEA_TRAIN_TARGET_FC1 },
  { "mlp.fc1", FOVEA_TRAIN_TARGET_FC1 }, { "fc2", FOVEA_TRAIN_TARGET_FC2 },
  { "mlp.fc2", FOVEA_TRAIN_TARGET_FC2 }, { "conv1x1", FOVEA_TRAIN_TARGET_CONV1X1 },
};

static gboolean
parse_target (const char *name, guint *targets)
{
  for (guint i = 0; i < G_N_ELEMENTS (target_names); i++)
    if (strcmp (name, target_names[i].name) == 0)
      {
        *targets |= target_names[i].target;
        return TRUE;
      }
  return FALSE;
}

/* "r=4,alpha=4,targets=qkv.q,qkv.v[,rslora]": items after targets= that
 * have no '=' are more targets. */
static gboolean
parse_lora (const char *text, FoveaLoraSpec *spec, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  gboolean in_targets = FALSE;

  spec->targets = 0;
  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *item = items[i];
      const char *value = strchr (item, '=');
      gint64 number;

      if (value == NULL && in_targets && parse_target (item, &spec->targets))
        continue;
      if (value == NULL && strcmp (item, "rslora") == 0)
        {
          spec->use_rslora = TRUE;
          continue;
        }
      in_targets = FALSE;
      if (g_str_has_prefix (item, "r=") &&
          g_ascii_string_to_signed (value + 1, 10, 1, 4096, &number, NULL))
        spec->rank = (int) number;
      else if (g_str_has_prefix (item, "alpha="))
        {
          char *end = NULL;
          spec->alpha = g_ascii_strtod (value + 1, &end);
          if (end == value + 1 || *end != '\0' || !(spec->alpha > 0) || !isfinite (spec->alpha))
            goto bad;
        }
      else if (g_str_has_prefix (item, "targets=") && parse_target (value + 1, &spec->targets))
        in_targets = TRUE;
      else
        goto bad;
      continue;
    bad:
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--lora: cannot read “%s” (expected r=N, alpha=X, rslora, targets=T[,T…] "
                   "with T among qkv.q, qkv.k, qkv.v, qkv, proj, fc1, fc2 for a ViT, "
                   "conv1x1 for a CNN)", item);
      return FALSE;
    }
  if (spec->targets == 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--lora: give at least one target (targets=qkv.q,qkv.v for a ViT, "
                   "targets=conv1x1 for a CNN)");
      return FALSE;
    }
  return TRUE;
}

/* "384" or "384x512" (height × width). */
static gboolean
parse_input_size (const char *text, int *height, int *width)
{
  g_auto (GStrv) parts = g_strsplit (text, "x", 3);
  gint64 h, w;
  guint n = g_strv_length (parts);
  if ((n != 1 && n != 2) ||
      !g_ascii_string_to_signed (parts[0], 10, 1, 8192, &h, NULL) ||
      !g_ascii_string_to_signed (parts[n - 1], 10, 1, 8192, &w, NULL))
    return FALSE;
  *height = (int) h;
  *width = (int) w;
  return TRUE;
}

static gboolean
parse_select (const char *text, FoveaTrainerSelect *select)
{
  static const char *const names[] = { "auc", "acc", "qwk", "bacc" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *select = (FoveaTrainerSelect) i;
        return TRUE;
      }
  return FALSE;
}

static void
format_duration (double seconds, char *out, gsize size)
{
  int s = (int) MAX (0, lround (seconds));
  if (s >= 3600)
    g_snprintf (out, size, "%dh%02dm", s / 3600, s / 60 % 60);
  else
    g_snprintf (out, size, "%dm%02ds", s / 60, s % 60);
}

static void
print_metric (GString *line, const char *name, double value)
{
  if (!isnan (value))
    g_string_append_printf (line, " %s %.3f", name, value);
}

/* A live line on a terminal; whole lines at each epoch's end otherwise,
 * so that logs stay readable. */
static void
on_progress (const FoveaTrainerProgress *p, gpointer user_data)
{
  gboolean tty = GPOINTER_TO_INT (user_data);
  char eta[32];
  g_autoptr (GString) line = g_string_new (NULL);

  format_duration (p->eta_seconds, eta, sizeof eta);
  if (p->evaluated)
    {
      g_string_append_printf (line, "epoch %d/%d  val loss %.4f", p->epoch, p->epochs, p->loss);
      print_metric (line, "acc", p->val_acc);
      print_metric (line, "auc", p->val_auc);
      print_metric (line, "qwk", p->val_qwk);
      print_metric (line, "bacc", p->val_bacc);
      g_string_append_printf (line, "  %.0f img/s  ETA %s%s", p->images_per_second, eta,
                              p->best ? "  (best so far)" : "");
      fprintf (stderr, tty ? "\r\033[K%s\n" : "%s\n", line->str);
    }
  else if (tty)
    fprintf (stderr, "\r\033[Kepoch %d/%d  step %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
             "  loss %.4f  lr %.2e  %.0f img/s  ETA %s", p->epoch, p->epochs, p->step,
             p->steps, p->loss, p->lr, p->images_per_second, eta);
  fflush (stderr);
}

/* The command as typed, for the card: "fovea-cli train --model …". */
static char *
quote_command_line (int argc, char **argv)
{
  g_autoptr (GString) line = g_string_new ("fovea-cli");
  for (int i = 0; i < argc; i++)
    {
      g_autofree char *quoted = g_shell_quote (argv[i]);
      gboolean plain = strpbrk (argv[i], " \t'\"$\\;&|<>*?()[]{}`~#") == NULL && argv[i][0];
      g_string_append_printf (line, " %s", plain ? argv[i] : quoted);
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

int
fovea_cli_train (int argc, char **argv)
{
  FoveaTrainerOptions o;
  g_autofree char *model = NULL, *card = NULL, *data = NULL, *val = NULL, *out = NULL;
  g_autofree char *lora = NULL, *select = NULL, *input_size = NULL;
  g_auto (FoveaCliDataOptions) source = { 0 };
  gboolean full = FALSE, head = FALSE, no_augment = FALSE;
  double seed = 1;
  g_autofree char *command_line = quote_command_line (argc, argv);
  if (fovea_cli_train_is_segmentation (argc, argv))
    return fovea_cli_train_seg (argc, argv, command_line);

  fovea_trainer_options_init (&o);
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Backbone folder (ViT or CNN), or a config.json folder to train whole (--full)", "DIR" },
    { "lora", 0, 0, G_OPTION_ARG_STRING, &lora,
      "Train a LoRA adapter and head: r=4,alpha=4,targets=qkv.q,qkv.v (ViT) or "
      "targets=conv1x1 (CNN: every 1×1 convolution)", "SPEC" },
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, "Train every weight of the model", NULL },
    { "head", 0, 0, G_OPTION_ARG_NONE, &head,
      "Train only a new head on the frozen backbone (CNN)", NULL },
    { "input-size", 0, 0, G_OPTION_ARG_STRING, &input_size,
      "CNN: train at N×N or H×W pixels (default: the task card's, else the model's)",
      "N|HxW" },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &o.headless,
      "With --full: write the backbone without its head, for adapters", NULL },
    { "task-card", 0, 0, G_OPTION_ARG_FILENAME, &card,
      "The task card: labels, kind and preprocessing; written out with provenance", "CARD" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data,
      "Training set: a folder with labels.csv, DIR:SPLIT with --split-file, or FILE.npz[:SPLIT]",
      "PATH" },
    { "val", 0, 0, G_OPTION_ARG_FILENAME, &val,
      "Validation set (selects the epoch; its metrics go in the card)", "PATH" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output folder", "DIR" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "Epochs (default 10)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "Images per step (default 32)", "B" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.lr, "Peak learning rate (default 1e-3)", "LR" },
    { "min-lr", 0, 0, G_OPTION_ARG_DOUBLE, &o.min_lr, "Final learning rate (default 1e-6)", "LR" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &o.weight_decay,
      "AdamW's decoupled weight decay (default 0.05)", "WD" },
    { "warmup-epochs", 0, 0, G_OPTION_ARG_DOUBLE, &o.warmup_epochs,
      "Linear warm-up before the cosine decay (default 1)", "E" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &o.clip_norm,
      "Clip the gradients' global norm (default 1; 0: off)", "NORM" },
    { "label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &o.label_smoothing,
      "Cross-entropy label smoothing (default 0)", "E" },
    { "class-weights", 0, 0, G_OPTION_ARG_NONE, &o.class_weights,
      "Weight the loss by inverse class frequency", NULL },
    { "balanced", 0, 0, G_OPTION_ARG_NONE, &o.balanced, "Class-balanced sampling", NULL },
    { "spmix", 0, 0, G_OPTION_ARG_NONE, &o.spmix,
      "CNN classification: SPMix (Wei et al. 2024): mix images of tail classes (fewer images "
      "than the median class) patch by patch with other images, keeping their most salient "
      "patches (the model's class activation map) and their label", NULL },
    { "spmix-prob", 0, 0, G_OPTION_ARG_DOUBLE, &o.spmix_prob,
      "Share of sampled tail-class images mixed (default 0.5)", "P" },
    { "spmix-grid", 0, 0, G_OPTION_ARG_INT, &o.spmix_grid,
      "Patches per side of the mixing grid (default 7)", "G" },
    { "spmix-keep", 0, 0, G_OPTION_ARG_DOUBLE, &o.spmix_keep,
      "Share of the patches kept from the tail image (default 0.5)", "F" },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &no_augment, "Do not augment", NULL },
    { "ordinal", 0, 0, G_OPTION_ARG_NONE, &o.ordinal,
      "Labels are ordered grades: also report quadratic weighted kappa", NULL },
    { "select", 0, 0, G_OPTION_ARG_STRING, &select,
      "Validation metric that picks the epoch: auc (default), acc, qwk or bacc (balanced accuracy)", "METRIC" },
    { "seed", 0, 0, G_OPTION_ARG_DOUBLE, &seed, "Seed of every random choice (default 1)", "S" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text, "Threads " FOVEA_CLI_THREADS_HELP, "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &o.resume,
      "Continue from OUT.checkpoint.safetensors after an interruption", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "Replace an existing output", NULL },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("— train a task adapter or a model");
  g_option_context_add_main_entries (context, entries, NULL);
  fovea_cli_data_options_add (&source, context);
  g_option_context_set_summary (context,
    "Trains on --data, picks the epoch with the best --val metric, and writes a\n"
    "PEFT adapter folder (--lora, --head) or a hub model folder (--full) with the\n"
    "task card filled in: training data, command, seed, commit and validation\n"
    "metrics. The model folder's config.json says whether it is a ViT or a CNN\n"
    "(ResNet, MobileNetV2); a CNN's BatchNorm stays frozen at its loaded\n"
    "statistics.\n"
    "A checkpoint is written after every epoch; --resume continues from it and\n"
    "gives exactly the files an uninterrupted run would.");
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
  if (input_size != NULL && !parse_input_size (input_size, &o.input_height, &o.input_width))
    {
      fprintf (stderr, "fovea-cli train: --input-size must be N or HxW, from 1 to 8192\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if ((full ? 1 : 0) + (head ? 1 : 0) + (lora != NULL ? 1 : 0) != 1)
    {
      fprintf (stderr, "fovea-cli train: give either --lora SPEC, --head or --full\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (lora != NULL && !parse_lora (lora, &o.lora, &error))
    {
      fprintf (stderr, "fovea-cli train: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (select != NULL && !parse_select (select, &o.select))
    {
      fprintf (stderr, "fovea-cli train: --select must be auc, acc or qwk\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!(seed >= 0) || seed > 9007199254740992.0 || seed != floor (seed))
    {
      fprintf (stderr, "fovea-cli train: --seed must be a whole number ≥ 0\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_data_options_parse (&source, "train"))
    return FOVEA_CLI_EXIT_FATAL;
  if (!o.spmix && (o.spmix_prob != FOVEA_SPMIX_DEFAULT_PROB ||
                   o.spmix_grid != FOVEA_SPMIX_DEFAULT_GRID ||
                   o.spmix_keep != FOVEA_SPMIX_DEFAULT_KEEP))
    {
      fprintf (stderr, "fovea-cli train: --spmix-prob, --spmix-grid and --spmix-keep apply "
               "with --spmix\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (o.resume && o.force)
    {
      fprintf (stderr, "fovea-cli train: --resume and --force contradict each other\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  /* --data and --val may end in ":SPLIT"; the trainer refuses an existing
   * folder without --force or --resume. */
  g_autoptr (GPtrArray) reads = g_ptr_array_new_with_free_func (g_free);
  const char *read_args[] = { model, card, data, val, source.labels, source.split_file,
                              source.images };
  for (guint i = 0; i < G_N_ELEMENTS (read_args); i++)
    if (read_args[i] != NULL)
      {
        g_ptr_array_add (reads, g_strdup (read_args[i]));
        const char *colon = strrchr (read_args[i], ':');
        if (colon != NULL)
          g_ptr_array_add (reads, g_strndup (read_args[i], (gsize) (colon - read_args[i])));
      }
  if (out != NULL && !fovea_output_guard_check (out, reads, TRUE, &error))
    {
      fprintf (stderr, "fovea-cli train: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  o.full = full;
  o.head_only = head;
  o.model_dir = model;
  o.card_path = card;
  o.data_path = data;
  o.val_path = val;
  o.labels_csv = source.labels;
  o.label_column = source.label_column;
  o.split_csv = source.split_file;
  o.images_dir = source.images;
  o.out_dir = out;
  o.augment = !no_augment;
  o.seed = (guint64) seed;
  o.command_line = command_line;
  if (source.label_map->len > 0)
    {
      o.label_map = (const int *) source.label_map->data;
      o.n_label_map = (int) source.label_map->len;
    }

  gboolean tty = isatty (fileno (stderr));
  if (!fovea_trainer_run (&o, on_progress, GINT_TO_POINTER (tty), NULL, &error))
    {
      fprintf (stderr, "%sfovea-cli train: %s\n", tty ? "\n" : "", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  fprintf (stderr, "fovea-cli train: wrote %s\n", out);
  return FOVEA_CLI_EXIT_OK;
}
