/* STUB: writes empty files with the expected names. */
#include <glib.h>
int main (int argc, char **argv) {
  const char *names[] = { "fundus-healthy.png", "fundus-lesions.jpg", "fundus-blurred.jpg", "skin-naevus.png", "octa-3mm.png" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) { char *p = g_build_filename (argv[1], names[i], NULL); g_file_set_contents (p, "", 0, NULL); g_free (p); }
  return 0;
}
