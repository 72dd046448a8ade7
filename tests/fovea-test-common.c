/* fovea-test-common.c: helpers shared by the test suites. */
#include "fovea-test-common.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

char *
fovea_test_data_path (const char *relative)
{
  const char *root = g_getenv ("FOVEA_DATA_DIR");
  if (root == NULL)
    root = g_getenv ("FOVEA_TEST_DATA_DEFAULT");
  if (root == NULL)
    root = "../shared/data";
  char *path = g_build_filename (root, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      char *msg = g_strdup_printf ("real data not available: %s does not exist "
                                   "(set FOVEA_DATA_DIR to the shared data folder)", path);
      g_test_skip (msg);
      g_free (msg);
      g_free (path);
      return NULL;
    }
  return path;
}

char *
fovea_test_fixture_path (const char *relative)
{
  const char *root = g_getenv ("FOVEA_FIXTURES_DIR");
  char *path = root ? g_build_filename (root, relative, NULL)
                    : g_test_build_filename (G_TEST_DIST, "fixtures", relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("fixture %s is missing", path);
  return path;
}

char *
fovea_test_sample_path (const char *name)
{
  const char *root = g_getenv ("FOVEA_SAMPLES_DIR");
  g_assert_nonnull (root);
  char *path = g_build_filename (root, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("sample image %s is missing", path);
  return path;
}

char *
fovea_test_mkdtemp (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("fovea-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
fovea_test_rmdir (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        fovea_test_rmdir (child);
      else
        g_unlink (child);
      g_free (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

FoveaImage *
fovea_test_synthetic_fundus (int width, int height, double cx, double cy, double r)
{
  FoveaImage *image = fovea_image_new (width, height, 3, 8, NULL);
  g_assert_nonnull (image);
  for (int y = 0; y < height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < width; x++)
        {
          double d = hypot (x - cx, y - cy);
          if (d > r)
            continue;
          /* Vignetting plus a fine ripple, like choroidal texture. */
          double shade = 1.0 - 0.35 * (d / r) * (d / r);
          double ripple = 12.0 * sin (x * 0.21) * cos (y * 0.17);
          row[3 * x + 0] = (guint8) CLAMP (200 * shade + ripple, 0, 255);
          row[3 * x + 1] = (guint8) CLAMP (100 * shade + ripple, 0, 255);
          row[3 * x + 2] = (guint8) CLAMP (45 * shade + ripple / 2, 0, 255);
        }
    }
  return image;
}

FoveaCliResult
fovea_test_run_cli_argv (const char *const *args)
{
  const char *cli = g_getenv ("FOVEA_CLI");
  g_assert_nonnull (cli);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  FoveaCliResult result = { 0 };
  int wait_status;
  GError *error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &result.out, &result.err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  result.status = WEXITSTATUS (wait_status);
  return result;
}

FoveaCliResult
fovea_test_run_cli (const char *first, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return fovea_test_run_cli_argv ((const char *const *) args->pdata);
}

void
fovea_test_cli_result_clear (FoveaCliResult *result)
{
  g_free (result->out);
  g_free (result->err);
}

gboolean
fovea_test_have_poppler (void)
{
  const char *tools[] = { "pdftotext", "pdfinfo", "pdftoppm" };

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *found = g_find_program_in_path (tools[i]);
      if (found == NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s not found: install poppler-utils "
                                                      "(scripts/install-deps.sh test)",
                                                      tools[i]);
          g_test_skip (message);
          return FALSE;
        }
    }
  return TRUE;
}

char *
fovea_test_run_program (const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return g_steal_pointer (&out);
}

char *
fovea_test_pdf_text (const char *path)
{
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", path, "-", NULL };
  g_autofree char *raw = fovea_test_run_program (argv);
  g_autoptr (GString) text = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = raw; *p; p++)
    {
      if (g_ascii_isspace (*p))
        space = TRUE;
      else
        {
          if (space && text->len)
            g_string_append_c (text, ' ');
          space = FALSE;
          g_string_append_c (text, *p);
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
fovea_test_assert_contains (const char *text,
                            const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("“%s” not found in:\n%s", needle, text);
}

void
fovea_test_copy_file (const char *from,
                      const char *to)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (from, &data, &length, NULL));
  g_assert_true (g_file_set_contents (to, data, (gssize) length, NULL));
}

void
fovea_test_copy_fixtures (const char *dest, const char *const (*pairs)[2], guint n_pairs)
{
  for (guint i = 0; i < n_pairs; i++)
    {
      g_autofree char *from = fovea_test_fixture_path (pairs[i][0]);
      g_autofree char *to = g_build_filename (dest, pairs[i][1], NULL);
      g_autofree char *parent = g_path_get_dirname (to);
      g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
      fovea_test_copy_file (from, to);
    }
}

char *
fovea_test_make_model_with_card (const char *model,
                                 const char *card)
{
  char *dir = fovea_test_mkdtemp ();
  g_autofree char *model_path = g_build_filename ("vit", "models", model, NULL);
  g_autofree char *src = fovea_test_fixture_path (model_path);
  const char *files[] = { "config.json", "model.safetensors" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (src, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      fovea_test_copy_file (from, to);
    }
  g_autofree char *card_path = g_build_filename ("cards", card, NULL);
  g_autofree char *card_src = fovea_test_fixture_path (card_path);
  g_autofree char *card_to = g_build_filename (dir, "task_card.json", NULL);
  fovea_test_copy_file (card_src, card_to);
  return dir;
}

/* The skin card made to fit the tiny fixture ViT's 32 × 32 input. */
static void
write_tiny_skin_card (const char *path)
{
  g_autofree char *src = fovea_test_fixture_path ("cards/skin-lesion.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, src, NULL));
  JsonObject *pre = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                                   "preprocessing");
  JsonArray *size = json_array_new ();
  json_array_add_int_element (size, 32);
  json_array_add_int_element (size, 32);
  json_object_set_array_member (pre, "input_size", size);
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

char *
fovea_test_install_fundus_skin_model (const char *dir)
{
  g_autofree char *made = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  char *model = g_build_filename (dir, "tiny-token", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (g_rename (made, model), ==, 0);
  g_autofree char *adapters = g_build_filename (model, "adapters", NULL);
  g_assert_cmpint (g_mkdir (adapters, 0755), ==, 0);
  g_autofree char *melo_src = fovea_test_fixture_path ("vit/adapters/melo-tiny_lora_4_8.safetensors");
  g_autofree char *melo = g_build_filename (adapters, "melo-tiny_lora_4_8.safetensors", NULL);
  fovea_test_copy_file (melo_src, melo);
  g_autofree char *card = g_build_filename (adapters, "melo-tiny_lora_4_8.task_card.json", NULL);
  write_tiny_skin_card (card);
  return model;
}
