/* fovea-make-random-cnn: a ResNet or MobileNetV2 with seeded random
 * weights (BatchNorm statistics included) in the hub layout, and
 * optionally seeded random input pixels, for measuring speed and for the
 * parity fixtures (tests/scripts/make-cnn-fixtures.py):
 *
 *   fovea-make-random-cnn ARCHITECTURE --out DIR [--num-classes N]
 *       [--pad-type same] [--global-pool avg|max|avgmax] [--dtype f32|f16|bf16]
 *       [--seed S] [--pixels FILE --batch B --size HxW [--pixel-seed S]]
 *
 * ARCHITECTURE is one of fovea-cnn-config.h's names, or smp/Unet for a
 * segmentation network (fovea-seg.h) with --num-classes classes and
 *       [--decoder-channels A,B,C,D,E] [--activation sigmoid|softmax]
 * --pixels writes "pixel_values" [B, 3, H, W] (F32) to FILE. */
#define G_LOG_DOMAIN "fovea-make-random-cnn"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-random-cnn.h"
#include "fovea-random-seg.h"

static gboolean
parse_dtype (const char *name, FoveaDType *dtype)
{
  if (name == NULL || strcmp (name, "f32") == 0)
    *dtype = FOVEA_DTYPE_F32;
  else if (strcmp (name, "f16") == 0)
    *dtype = FOVEA_DTYPE_F16;
  else if (strcmp (name, "bf16") == 0)
    *dtype = FOVEA_DTYPE_BF16;
  else
    return FALSE;
  return TRUE;
}

static gboolean
write_pixels (const char *path, int batch, const char *size, guint64 seed, GError **error)
{
  int height = 0, width = 0;
  if (size == NULL || sscanf (size, "%dx%d", &height, &width) != 2 || batch < 1 ||
      height < 1 || width < 1 || height > 4096 || width > 4096 || batch > 64)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--pixels needs --batch from 1 to 64 and --size HxW up to 4096x4096");
      return FALSE;
    }
  gsize n = (gsize) batch * 3 * height * width;
  g_autofree float *pixels = g_new (float, n);
  fovea_random_cnn_pixels (pixels, n, seed);
  FoveaTensorView view = {
    .name = "pixel_values", .dtype = FOVEA_DTYPE_F32, .n_dims = 4,
    .shape = { batch, 3, height, width }, .n_elements = n, .data = pixels,
    .n_bytes = n * sizeof (float),
  };
  return fovea_safetensors_write (path, &view, 1, NULL, error);
}

/* "A,B,C,D,E" (NULL: smp's defaults). */
static gboolean
parse_decoder_channels (const char *text, int *channels)
{
  static const int defaults[FOVEA_SEG_DECODER_BLOCKS] = { 256, 128, 64, 32, 16 };
  memcpy (channels, defaults, sizeof defaults);
  return text == NULL ||
         (sscanf (text, "%d,%d,%d,%d,%d", &channels[0], &channels[1], &channels[2],
                  &channels[3], &channels[4]) == 5 &&
          channels[0] > 0 && channels[1] > 0 && channels[2] > 0 && channels[3] > 0 &&
          channels[4] > 0);
}

int
main (int argc, char **argv)
{
  g_autofree char *out = NULL, *pad_type = NULL, *global_pool = NULL, *dtype_name = NULL;
  g_autofree char *pixels = NULL, *size = NULL, *decoder = NULL, *activation = NULL;
  int decoder_channels[FOVEA_SEG_DECODER_BLOCKS];
  int num_classes = 1000, batch = 0;
  gint64 seed = 0, pixel_seed = 1;
  GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Folder to write config.json and model.safetensors to", "DIR" },
    { "num-classes", 0, 0, G_OPTION_ARG_INT, &num_classes, "Outputs of the head (0: none; default 1000)", "N" },
    { "pad-type", 0, 0, G_OPTION_ARG_STRING, &pad_type, "model_args.pad_type (\"same\": TensorFlow's padding)", "TYPE" },
    { "global-pool", 0, 0, G_OPTION_ARG_STRING, &global_pool, "avg (default), max or avgmax", "POOL" },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype_name, "f32 (default), f16 or bf16", "TYPE" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the random weights (default 0)", "S" },
    { "pixels", 0, 0, G_OPTION_ARG_FILENAME, &pixels, "Also write random input pixels here", "FILE" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Images of --pixels", "B" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Height×width of --pixels", "HxW" },
    { "decoder-channels", 0, 0, G_OPTION_ARG_STRING, &decoder, "smp/Unet: the decoder's five widths", "A,B,C,D,E" },
    { "activation", 0, 0, G_OPTION_ARG_STRING, &activation, "smp/Unet: sigmoid or softmax (default null)", "NAME" },
    { "pixel-seed", 0, 0, G_OPTION_ARG_INT64, &pixel_seed, "Seed of --pixels (default 1)", "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("ARCHITECTURE");
  g_autoptr (GError) error = NULL;
  FoveaDType dtype;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Writes a CNN with random weights (hub layout).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (out == NULL || argc != 2 || num_classes < 0 || !parse_dtype (dtype_name, &dtype) ||
      !parse_decoder_channels (decoder, decoder_channels))
    {
      fprintf (stderr, "Usage: %s ARCHITECTURE --out DIR [--num-classes N] [--pad-type same] "
               "[--global-pool POOL] [--dtype f32|f16|bf16] [--seed S] "
               "[--decoder-channels A,B,C,D,E] [--activation NAME] "
               "[--pixels FILE --batch B --size HxW [--pixel-seed S]]\n", g_get_prgname ());
      return EXIT_FAILURE;
    }

  gboolean unet = strcmp (argv[1], "smp/Unet") == 0;
  g_autofree char *json = unet
    ? fovea_random_seg_config_json (num_classes, decoder_channels, activation, 224)
    : fovea_random_cnn_config_json (argv[1], num_classes, pad_type, global_pool);
  if (!(unet ? fovea_random_seg_write (out, json, dtype, (guint64) seed, &error)
             : fovea_random_cnn_write (out, json, dtype, (guint64) seed, &error)) ||
      (pixels != NULL && !write_pixels (pixels, batch, size, (guint64) pixel_seed, &error)))
    {
      fprintf (stderr, "%s\n", error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
