/* fuzz-decode.c: every decoder, through fovea_decode_memory, under each
 * name a file may carry (the extension is checked against the contents,
 * and no extension means "trust the contents"). */
#include "fuzz-target.h"

#include "fovea-decode.h"

/* Small enough that each input decodes in milliseconds. */
#define FUZZ_MAX_PIXELS (4 * 1000 * 1000)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *names[] = { "x.png", "x.jpg", "x.tif", "x.bmp", "x.gif", "x" };
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  options.max_pixels = FUZZ_MAX_PIXELS;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      /* Every other name also asks for a reduced JPEG decode. */
      options.min_width = options.min_height = i % 2 ? 16 : 0;
      GError *error = NULL;
      FoveaDecodeInfo info;
      FoveaImage *image = fovea_decode_memory (data, size, names[i], &options, &info, &error);
      /* Exactly one of the two, and never a half image. */
      if ((image == NULL) == (error == NULL) ||
          (image != NULL && (image->width <= 0 || image->height <= 0 || image->data == NULL)))
        __builtin_trap ();
      fovea_image_free (image);
      g_clear_error (&error);
    }
  return 0;
}
