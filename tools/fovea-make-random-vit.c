/* fovea-make-random-vit: a timm ViT with seeded random weights in the hub
 * layout, and optionally a rank-4 MeLo q/v adapter for it, for measuring
 * speed and memory on a real architecture without shipping a model:
 *
 *   fovea-make-random-vit [ARCHITECTURE] --out DIR [--num-classes N]
 *                         [--seed S] [--melo FILE]
 *
 * ARCHITECTURE is a timm name (default vit_base_patch16_224). */
#define G_LOG_DOMAIN "fovea-make-random-vit"

#include <stdio.h>
#include <stdlib.h>

#include "fovea-random-vit.h"

#define MELO_RANK 4

int
main (int argc, char **argv)
{
  g_autofree char *out = NULL;
  g_autofree char *melo = NULL;
  int num_classes = 1000;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Folder to write config.json and model.safetensors to", "DIR" },
    { "num-classes", 0, 0, G_OPTION_ARG_INT, &num_classes, "Outputs of the head (0: none; default 1000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the random weights (default 0)", "S" },
    { "melo", 0, 0, G_OPTION_ARG_FILENAME, &melo, "Also write a rank-4 MeLo q/v adapter here", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[ARCHITECTURE]");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Writes a timm ViT with random weights (hub layout).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (out == NULL || argc > 2 || num_classes < 0)
    {
      fprintf (stderr, "Usage: %s [ARCHITECTURE] --out DIR [--num-classes N] [--seed S] [--melo FILE]\n",
               g_get_prgname ());
      return EXIT_FAILURE;
    }

  const char *architecture = argc == 2 ? argv[1] : "vit_base_patch16_224";
  if (!fovea_random_vit_write (out, architecture, num_classes, (guint64) seed, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_FAILURE;
    }

  if (melo != NULL)
    {
      FoveaVitConfig config = { 0 };
      g_autofree char *config_path = g_build_filename (out, "config.json", NULL);
      gboolean ok = fovea_vit_config_load_file (&config, config_path, &error) &&
                    fovea_random_melo_write (melo, &config, MELO_RANK, num_classes,
                                             (guint64) seed + 1, &error);
      fovea_vit_config_clear (&config);
      if (!ok)
        {
          fprintf (stderr, "%s\n", error->message);
          return EXIT_FAILURE;
        }
    }
  return EXIT_SUCCESS;
}
