/* fovea-cli-inspect.c: `fovea-cli inspect [--modality M] [--json] IMAGE|FOLDER…`
 *
 * Each object also has "patient_id" and "eye" (OD, OS or ""), from a DICOM
 * file's tags (Patient ID, Image Laterality) or guessed from other files'
 * names, as batch grading takes them (fovea-image-identity.h).
 * One JSON object per image per line with --json (JSON Lines, so output can
 * be streamed into other tools), a readable table otherwise. A file that
 * cannot be read still gets its line; the exit status then says so. */
#define G_LOG_DOMAIN "fovea-cli-inspect"

#include "config.h"

#include <stdio.h>

#include "fovea-cli-commands.h"
#include "fovea-cli-paths.h"
#include "fovea-cli-thresholds.h"
#include "fovea-image-identity.h"
#include "fovea-inspect.h"
#include "fovea-visible-text.h"

static void
print_json_line (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  printf ("%s\n", text);
}

static void
add_identity (JsonNode *node, const char *path)
{
  JsonObject *object = json_node_get_object (node);
  if (json_object_has_member (object, "error"))
    return;
  FoveaImageIdentity identity;
  fovea_image_identity_read (path, &identity);
  json_object_set_string_member (object, "patient_id",
                                 identity.patient_id != NULL ? identity.patient_id : "");
  json_object_set_string_member (object, "eye", fovea_eye_to_string (identity.eye));
  fovea_image_identity_clear (&identity);
}

static void
print_table_header (void)
{
  printf ("%-40s %11s %7s %-8s %-11s %s\n",
          "FILE", "SIZE", "DEPTH", "MODALITY", "QUALITY", "REASONS");
}

static void
print_table_row (JsonNode *node)
{
  JsonObject *object = json_node_get_object (node);
  g_autofree char *base = g_path_get_basename (json_object_get_string_member (object, "path"));
  /* One line per file: a newline, tab or terminal escape in a name (or in
   * an error quoting it) is shown as its code, never printed raw. */
  g_autofree char *name = fovea_visible_text (base, FOVEA_VISIBLE_TEXT_ESCAPE_ALL);

  if (json_object_has_member (object, "error"))
    {
      g_autofree char *message = fovea_visible_text (json_object_get_string_member (object, "error"),
                                                     FOVEA_VISIBLE_TEXT_ESCAPE_ALL);
      printf ("%-40s error: %s\n", name, message);
      return;
    }

  JsonObject *quality = json_object_get_object_member (object, "quality");
  JsonArray *reasons = json_object_get_array_member (quality, "reasons");
  g_autoptr (GString) reason_text = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (reasons); i++)
    g_string_append_printf (reason_text, "%s%s", i ? ", " : "",
                            json_array_get_string_element (reasons, i));

  g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT,
                                           json_object_get_int_member (object, "width"),
                                           json_object_get_int_member (object, "height"));
  g_autofree char *depth = g_strdup_printf ("%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "b",
                                            json_object_get_int_member (object, "channels"),
                                            json_object_get_int_member (object, "bit_depth"));
  printf ("%-40s %11s %7s %-8s %-11s %s\n", name, size, depth,
          json_object_get_string_member (object, "modality"),
          json_object_get_boolean_member (quality, "gradable") ? "gradable" : "UNGRADABLE",
          reason_text->len ? reason_text->str : "-");
}

int
fovea_cli_inspect (int argc, char **argv)
{
  gboolean json = FALSE;
  gboolean recursive = FALSE;
  g_autofree char *modality_name = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) thresholds = NULL;
  const GOptionEntry entries[] = {
    { "modality", 'm', 0, G_OPTION_ARG_STRING, &modality_name,
      "Treat images as fundus, skin or octa (default: guess per image)", "M" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print one JSON object per image per line", NULL },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &recursive,
      "Descend into sub-folders of folder arguments", NULL },
    { "threshold", 't', 0, G_OPTION_ARG_STRING_ARRAY, &thresholds, FOVEA_CLI_THRESHOLD_HELP,
      "NAME=VALUE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "IMAGE|FOLDER…" },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("IMAGE|FOLDER… — inspect images");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Decodes each image and reports its size, modality, circular field of view\n"
    "and quality verdict (gradable, or ungradable with reasons).");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli inspect: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  FoveaModality modality = FOVEA_MODALITY_UNKNOWN;
  if (modality_name != NULL &&
      (!fovea_modality_from_string (modality_name, &modality) ||
       modality == FOVEA_MODALITY_UNKNOWN))
    {
      fprintf (stderr, "fovea-cli inspect: unknown modality “%s” "
                       "(expected fundus, skin or octa)\n", modality_name);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_check_thresholds ("inspect", (const char *const *) thresholds))
    return FOVEA_CLI_EXIT_FATAL;
  if (args == NULL)
    {
      fprintf (stderr, "fovea-cli inspect: no image given\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (GPtrArray) paths = fovea_cli_expand_paths (args, recursive);
  if (paths->len == 0)
    {
      fprintf (stderr, "fovea-cli inspect: no supported image found\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  if (!json)
    print_table_header ();
  guint n_failed = 0;
  for (guint i = 0; i < paths->len; i++)
    {
      gboolean ok;
      g_autoptr (JsonNode) node = fovea_inspect_file (paths->pdata[i], modality,
                                                    (const char *const *) thresholds, &ok);
      if (!ok)
        n_failed++;
      add_identity (node, paths->pdata[i]);
      if (json)
        print_json_line (node);
      else
        print_table_row (node);
      fflush (stdout);
    }

  if (n_failed > 0)
    fprintf (stderr, "fovea-cli inspect: %u of %u file(s) could not be read\n",
             n_failed, paths->len);
  return n_failed > 0 ? FOVEA_CLI_EXIT_SOME_FAILED : FOVEA_CLI_EXIT_OK;
}
