/* fovea-cli-segment.c: `fovea-cli segment --task NAME [--model DIR]
 *   [--modality M] IMAGE|FOLDER… --out-dir DIR [--json] [--recursive]
 *   [--force] [--threads N]`
 *
 * Segments each image with a segmentation model folder (config.json,
 * model.safetensors, task_card.json: fovea-segmenter.h) and writes, per
 * image and label, OUT-DIR/STEM-LABEL.png: a 16-bit grey probability map
 * (0..65535 for 0..1) at the image's own size, zero outside the field of
 * view. --task finds an installed model by its card's name; --model gives
 * a folder (its card's name must then be --task's, when both are given).
 *
 * Every output is checked before any image is read: one that exists
 * (without --force), that would replace an input, or that two inputs of
 * one stem would both write is a usage error, and nothing is written.
 * Maps are written whole (temporary file, then rename); when one of an
 * image's maps cannot be written, the maps already written for that image
 * are removed. An image that cannot be read or segmented is reported and
 * the others go on. --json prints one object per image: its maps and the
 * measurements of fovea-seg-measure.h (or "error").
 *
 * Exit 0 when every image was segmented; 1 for bad usage or a missing or
 * unfit model (nothing done); 3 when some images failed. */
#define G_LOG_DOMAIN "fovea-cli-segment"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "fovea-cli-commands.h"
#include "fovea-cli-paths.h"
#include "fovea-cli-threads.h"
#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-modality.h"
#include "fovea-output-guard.h"
#include "fovea-output-name.h"
#include "fovea-seg-measure.h"
#include "fovea-segmenter.h"

#define COMMAND "fovea-cli segment"

/* The stem of path: its base name without the last extension. */
static char *
file_stem (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return fovea_output_name_part (base);
}

/* OUT-DIR/STEM-LABEL.png for every image (rows) and label (columns). */
static GPtrArray *
plan_outputs (GPtrArray *images, const FoveaTaskCard *card, const char *out_dir)
{
  GPtrArray *outputs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < images->len; i++)
    {
      g_autofree char *stem = file_stem (images->pdata[i]);
      for (int l = 0; card->labels[l] != NULL; l++)
        {
          g_autofree char *label = fovea_output_name_part (card->labels[l]);
          g_autofree char *name = g_strdup_printf ("%s-%s.png", stem, label);
          g_ptr_array_add (outputs, g_build_filename (out_dir, name, NULL));
        }
    }
  return outputs;
}

/* Refuses outputs that exist (without force), would replace what is read,
 * or are planned twice (two images of one stem). */
static gboolean
check_outputs (GPtrArray *outputs, GPtrArray *images, guint n_labels, GPtrArray *reads,
               gboolean force)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < outputs->len; i++)
    {
      const char *out = outputs->pdata[i];
      const char *image = images->pdata[i / n_labels];
      const char *earlier = g_hash_table_lookup (seen, out);
      if (earlier != NULL)
        {
          fprintf (stderr, COMMAND ": %s and %s would both write %s (one stem); segment them "
                   "into different --out-dir folders\n", earlier, image, out);
          return FALSE;
        }
      g_hash_table_insert (seen, (gpointer) out, (gpointer) image);
      g_autoptr (GError) error = NULL;
      if (!fovea_output_guard_check (out, reads, force, &error))
        {
          fprintf (stderr, COMMAND ": %s\n", error->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* Writes the image's maps; on a failure removes those it wrote. */
static gboolean
write_maps (const FoveaSegmentation *result, char **outputs, GError **error)
{
  for (int l = 0; l < result->n_labels; l++)
    if (!fovea_encode_png_file (result->maps[l], outputs[l], error))
      {
        for (int k = 0; k < l; k++)
          g_unlink (outputs[k]);
        return FALSE;
      }
  return TRUE;
}

static void
print_json (const char *image, const FoveaTaskCard *card, const FoveaSegmentation *result,
            const FoveaSegMeasures *measures, char **outputs, const char *message)
{
  g_autofree char *shown_image = g_filename_display_name (image);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, shown_image);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, card->name);
  if (message != NULL)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, message);
    }
  else
    {
      json_builder_set_member_name (b, "width");
      json_builder_add_int_value (b, result->width);
      json_builder_set_member_name (b, "height");
      json_builder_add_int_value (b, result->height);
      json_builder_set_member_name (b, "maps");
      json_builder_begin_object (b);
      for (int l = 0; l < result->n_labels; l++)
        {
          g_autofree char *shown = g_filename_display_name (outputs[l]);
          json_builder_set_member_name (b, card->labels[l]);
          json_builder_add_string_value (b, shown);
        }
      json_builder_end_object (b);
      fovea_seg_measures_add_json (measures, b);
    }
  json_builder_set_member_name (b, "research_use_only");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
  fflush (stdout);
}

static void
print_text (const char *image, const FoveaSegMeasures *m, const char *out_dir)
{
  g_autoptr (GString) line = g_string_new (NULL);
  g_string_append_printf (line, "%s: %d maps written to %s (", image, m->n_labels, out_dir);
  for (int l = 0; l < m->n_labels; l++)
    g_string_append_printf (line, "%s%s %d, %.2f %% of the FOV", l > 0 ? "; " : "",
                            m->labels[l].label, m->labels[l].count, m->labels[l].area_percent);
  g_string_append (line, ")");
  printf ("%s\n", line->str);
}

/* Segments, measures and writes one image; FALSE (reported) on failure. */
static gboolean
segment_one (FoveaSegmenter *segmenter, const char *path, char **outputs, gboolean json,
             const char *out_dir)
{
  const FoveaTaskCard *card = fovea_segmenter_get_card (segmenter);
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
  g_autoptr (FoveaSegmentation) result = NULL;
  g_autoptr (FoveaSegMeasures) measures = NULL;
  gint64 t1 = g_get_monotonic_time ();
  gboolean ok = image != NULL &&
                (result = fovea_segmenter_run (segmenter, image, &error)) != NULL;
  gint64 t2 = g_get_monotonic_time ();
  ok = ok && write_maps (result, outputs, &error);
  gint64 t3 = g_get_monotonic_time ();
  if (!ok)
    {
      fprintf (stderr, COMMAND ": %s: %s\n", path, error->message);
      if (json)
        print_json (path, card, NULL, NULL, NULL, error->message);
      return FALSE;
    }
  g_clear_pointer (&image, fovea_image_free);
  measures = fovea_seg_measure (result, card);
  /* G_MESSAGES_DEBUG=fovea-cli-segment: where the time goes. */
  g_debug ("%s: decode %.2f s, segment %.2f s, write %.2f s, measure %.2f s", path,
           (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6,
           (g_get_monotonic_time () - t3) / 1e6);
  if (json)
    print_json (path, card, result, measures, outputs, NULL);
  else
    print_text (path, measures, out_dir);
  return TRUE;
}

static FoveaSegmenter *
load_segmenter (const char *task, const char *model, int n_threads)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *found = NULL;
  if (model == NULL && (found = fovea_segmenter_find_model (task, &error)) == NULL)
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return NULL;
    }
  const char *dir = model != NULL ? model : found;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (dir, n_threads, &error);
  if (segmenter == NULL)
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return NULL;
    }
  const FoveaTaskCard *card = fovea_segmenter_get_card (segmenter);
  if (task != NULL && g_strcmp0 (card->name, task) != 0)
    {
      fprintf (stderr, COMMAND ": the model %s is for the task “%s”, not “%s”\n", dir,
               card->name, task);
      return NULL;
    }
  return g_steal_pointer (&segmenter);
}

int
fovea_cli_segment (int argc, char **argv)
{
  g_autofree char *task = NULL, *model = NULL, *modality_name = NULL, *out_dir = NULL;
  g_autofree char *threads_text = NULL;
  g_auto (GStrv) args = NULL;
  gboolean json = FALSE, recursive = FALSE, force = FALSE;
  int n_threads = 0;
  const GOptionEntry entries[] = {
    { "task", 't', 0, G_OPTION_ARG_STRING, &task,
      "The segmentation task (vessels, optic-disc, lesions, lesionpaste): an installed "
      "model whose card has this name", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "A segmentation model folder (config.json, model.safetensors, task_card.json)", "DIR" },
    { "modality", 0, 0, G_OPTION_ARG_STRING, &modality_name,
      "The images' modality, checked against the task card's", "M" },
    { "out-dir", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
      "Folder for the maps, STEM-LABEL.png (created if missing; required)", "DIR" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print one JSON object per image with its maps and measurements", NULL },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &recursive, "Descend into sub-folders", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace existing maps", NULL },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads for the forward pass " FOVEA_CLI_THREADS_HELP, "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "IMAGE|FOLDER…" },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context =
    g_option_context_new ("IMAGE|FOLDER… — write segmentation maps and measurements");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Writes, per image and label, OUT-DIR/STEM-LABEL.png: a 16-bit grey probability\n"
    "map of the image's size, zero outside the field of view; --json adds lesion\n"
    "counts and areas, the optic disc, the fovea (estimated from the disc) and\n"
    "vessel density, fractal dimension and tortuosity. Research use: the maps\n"
    "require clinician review.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("segment", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (task == NULL && model == NULL)
    {
      fprintf (stderr, COMMAND ": give --task NAME (vessels, optic-disc, lesions, lesionpaste), or "
               "--model DIR\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (args == NULL || args[0] == NULL || out_dir == NULL)
    {
      fprintf (stderr, COMMAND ": give IMAGE or FOLDER arguments and --out-dir DIR\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  FoveaModality modality = FOVEA_MODALITY_UNKNOWN;
  if (modality_name != NULL && !fovea_modality_from_string (modality_name, &modality))
    {
      fprintf (stderr, COMMAND ": unknown modality “%s” (fundus, octa, skin)\n", modality_name);
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (FoveaSegmenter) segmenter = load_segmenter (task, model, n_threads);
  if (segmenter == NULL)
    return FOVEA_CLI_EXIT_FATAL;
  const FoveaTaskCard *card = fovea_segmenter_get_card (segmenter);
  if (modality_name != NULL && !fovea_task_card_fits_modality (card, modality))
    {
      fprintf (stderr, COMMAND ": the task “%s” is for %s images, not %s\n", card->name,
               fovea_modality_to_string (card->modality), modality_name);
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (GPtrArray) images = fovea_cli_expand_paths (args, recursive);
  if (images->len == 0)
    {
      fprintf (stderr, COMMAND ": no images found\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  guint n_labels = g_strv_length (card->labels);
  g_autoptr (GPtrArray) outputs = plan_outputs (images, card, out_dir);
  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  fovea_output_guard_add_all (reads, (const char *const *) args);
  g_ptr_array_add (reads, (gpointer) fovea_segmenter_get_dir (segmenter));
  if (!check_outputs (outputs, images, n_labels, reads, force))
    return FOVEA_CLI_EXIT_FATAL;
  if (g_mkdir_with_parents (out_dir, 0777) != 0)
    {
      int saved = errno;
      fprintf (stderr, COMMAND ": cannot create the folder %s: %s\n", out_dir,
               g_strerror (saved));
      return FOVEA_CLI_EXIT_FATAL;
    }

  guint failed = 0;
  for (guint i = 0; i < images->len; i++)
    if (!segment_one (segmenter, images->pdata[i], (char **) outputs->pdata + i * n_labels,
                      json, out_dir))
      failed++;
  if (failed > 0)
    {
      fprintf (stderr, COMMAND ": %u of %u images failed\n", failed, images->len);
      return FOVEA_CLI_EXIT_SOME_FAILED;
    }
  return FOVEA_CLI_EXIT_OK;
}
