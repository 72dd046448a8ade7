/* fovea-cli-data.c: where labelled data comes from, as options. */
#define G_LOG_DOMAIN "fovea-cli-data"

#include "fovea-cli-data.h"

#include <stdio.h>

void
fovea_cli_data_options_add (FoveaCliDataOptions *o, GOptionContext *context)
{
  *o = (FoveaCliDataOptions) { .label_map = g_array_new (FALSE, FALSE, sizeof (int)) };
  const GOptionEntry entries[] = {
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &o->labels,
      "The folders' labels table (default: DIR/labels.csv)", "CSV" },
    { "label-column", 0, 0, G_OPTION_ARG_STRING, &o->label_column,
      "Its column with the labels: integers or the card's label names (default: label)", "NAME" },
    { "split-file", 0, 0, G_OPTION_ARG_FILENAME, &o->split_file,
      "A file,split table: DIR:train, DIR:val… pick its rows", "CSV" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &o->images,
      "The folder the table's files are in (default: DIR)", "DIR" },
    { "label-map", 0, 0, G_OPTION_ARG_STRING, &o->label_map_text,
      "Task label of each data label, e.g. 0,0,1,1,1 for grade ≥ 2", "L0,L1,…" },
    G_OPTION_ENTRY_NULL
  };
  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
fovea_cli_data_options_parse (FoveaCliDataOptions *o, const char *command)
{
  if (o->label_map_text == NULL)
    return TRUE;
  g_auto (GStrv) items = g_strsplit (o->label_map_text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      gint64 label;
      if (!g_ascii_string_to_signed (items[i], 10, 0, 65535, &label, NULL))
        {
          fprintf (stderr, "fovea-cli %s: --label-map: “%s” is not a list of labels such as "
                   "0,0,1,1,1\n", command, o->label_map_text);
          return FALSE;
        }
      int value = (int) label;
      g_array_append_val (o->label_map, value);
    }
  return TRUE;
}

void
fovea_cli_data_options_clear (FoveaCliDataOptions *o)
{
  g_free (o->labels);
  g_free (o->label_column);
  g_free (o->split_file);
  g_free (o->images);
  g_free (o->label_map_text);
  if (o->label_map != NULL)
    g_array_unref (o->label_map);
  *o = (FoveaCliDataOptions) { 0 };
}
