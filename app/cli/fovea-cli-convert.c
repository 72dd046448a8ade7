/* fovea-cli-convert.c: `fovea-cli convert CHECKPOINT --arch NAME --out DIR`
 *
 * Turns a PyTorch checkpoint (.pt, .pth, pytorch_model.bin; read without
 * running it, fovea-torch-checkpoint.h) into a hub folder: config.json
 * with the architecture (and --num-classes when given; other members from
 * --config, such as a ViT's model_args and pretrained_cfg) and
 * model.safetensors, which is memory-mapped when loaded instead of copied.
 * The folder is written beside DIR and renamed into place only once the
 * architecture's loader has loaded it, so every tensor name and shape has
 * been checked; an existing DIR is replaced only with --force, and never
 * when it is or holds the checkpoint. */
#define G_LOG_DOMAIN "fovea-cli-convert"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-cli-commands.h"
#include "fovea-model-weights.h"
#include "fovea-output-guard.h"
#include "fovea-staged-dir.h"
#include "fovea-torch-checkpoint.h"
#include "fovea-vit.h"

/* How many skipped names the summary shows. */
#define SHOWN_SKIPPED 3

typedef gboolean (*ValidateFunc) (const char *dir, GError **error);

static gboolean
validate_vit (const char *dir, GError **error)
{
  g_autoptr (FoveaVit) vit = fovea_vit_load (dir, error);
  return vit != NULL;
}

/* Each family's loader, by architecture prefix: the written folder must
 * load with it. CNN architectures (issue 17) are added here, with their
 * loader, when the CNN engine lands: { "resnet", validate_cnn }, … */
static const struct {
  const char  *prefix;
  ValidateFunc validate;
} validators[] = {
  { "vit_", validate_vit },
};

static ValidateFunc
find_validator (const char *arch)
{
  for (gsize i = 0; i < G_N_ELEMENTS (validators); i++)
    if (g_str_has_prefix (arch, validators[i].prefix))
      return validators[i].validate;
  return NULL;
}

/* base (a config.json to start from, or NULL) with architecture and, when
 * given, num_classes set. */
static gboolean
write_config (const char *dir, const char *base, const char *arch, int num_classes,
              GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonObject) fresh = json_object_new ();
  JsonObject *config = fresh;
  if (base != NULL)
    {
      if (!json_parser_load_from_mapped_file (parser, base, error))
        return FALSE;
      JsonNode *root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a JSON object", base);
          return FALSE;
        }
      config = json_node_get_object (root);
    }
  json_object_set_string_member (config, "architecture", arch);
  if (num_classes >= 0)
    json_object_set_int_member (config, "num_classes", num_classes);
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), config);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  return fovea_output_write_atomic (path, with_newline, strlen (with_newline), 0644, error);
}

static gboolean
write_weights (const char *dir, FoveaSafetensors *st, GError **error)
{
  guint n = fovea_safetensors_get_n_tensors (st);
  g_autofree FoveaTensorView *views = g_new0 (FoveaTensorView, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    views[i] = *fovea_safetensors_get_nth (st, i);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, "format", "pt");
  g_autofree char *path = g_build_filename (dir, FOVEA_MODEL_WEIGHTS_SAFETENSORS, NULL);
  return fovea_safetensors_write (path, views, n, metadata, error);
}

static void
print_summary (FoveaSafetensors *st, const FoveaTorchCheckpointInfo *info, const char *out)
{
  g_autoptr (GString) notes = g_string_new (NULL);
  if (info->wrapper != NULL)
    g_string_append_printf (notes, "; the state dict under “%s”", info->wrapper);
  if (info->module_prefix)
    g_string_append (notes, "; “module.” stripped");
  if (info->skipped->len > 0)
    {
      g_string_append_printf (notes, "; %u integer tensor(s) left out:", info->skipped->len);
      for (guint i = 0; i < info->skipped->len && i < SHOWN_SKIPPED; i++)
        g_string_append_printf (notes, "%s %s", i > 0 ? "," : "",
                                (const char *) g_ptr_array_index (info->skipped, i));
      if (info->skipped->len > SHOWN_SKIPPED)
        g_string_append (notes, ", …");
    }
  fprintf (stderr, "fovea-cli convert: %u tensor(s) into %s%s\n",
           fovea_safetensors_get_n_tensors (st), out, notes->str);
}

/* Writes and checks the folder beside out, then renames it into place. */
static gboolean
convert (const char *checkpoint, const char *base_config, const char *arch, int num_classes,
         const char *out, ValidateFunc validate)
{
  g_autoptr (GError) error = NULL;
  FoveaTorchCheckpointInfo info = { 0 };
  g_autoptr (FoveaSafetensors) st = fovea_torch_checkpoint_open (checkpoint, &info, &error);
  if (st == NULL)
    {
      fprintf (stderr, "fovea-cli convert: %s\n", error->message);
      return FALSE;
    }
  g_autofree char *staged = fovea_staged_dir_new (out, &error);
  gboolean written = staged != NULL &&
                     write_config (staged, base_config, arch, num_classes, &error) &&
                     write_weights (staged, st, &error);
  gboolean loads = written && validate (staged, &error);
  gboolean ok = loads && fovea_staged_dir_publish (staged, out, &error);
  if (written && !loads)
    {
      /* The loader names the files it read: call them by their final name. */
      g_auto (GStrv) parts = g_strsplit (error->message, staged, -1);
      g_autofree char *message = g_strjoinv (out, parts);
      fprintf (stderr, "fovea-cli convert: the converted weights do not load as %s%s: %s\n",
               arch, num_classes < 0 ? " (with its default head; give --num-classes for another)"
                                     : "", message);
    }
  else if (!ok)
    fprintf (stderr, "fovea-cli convert: %s\n", error->message);
  if (!ok && staged != NULL)
    fovea_remove_tree (staged);
  if (ok)
    print_summary (st, &info, out);
  fovea_torch_checkpoint_info_clear (&info);
  return ok;
}

int
fovea_cli_convert (int argc, char **argv)
{
  g_autofree char *arch = NULL;
  g_autofree char *out = NULL;
  g_autofree char *base_config = NULL;
  g_auto (GStrv) args = NULL;
  int num_classes = -1;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch,
      "The architecture, as config.json names it (e.g. vit_base_patch16_224; required)", "NAME" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The hub folder to write (required)", "DIR" },
    { "num-classes", 0, 0, G_OPTION_ARG_INT, &num_classes,
      "The head's classes (0: no head); default: the architecture's", "N" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &base_config,
      "A config.json to start from (model_args, pretrained_cfg …); --arch and "
      "--num-classes are set in it", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing DIR", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "CHECKPOINT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context =
    g_option_context_new ("— write a PyTorch checkpoint as a hub folder");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Reads a torch.save checkpoint (.pt, .pth, pytorch_model.bin) without running\n"
    "it and writes DIR/config.json and DIR/model.safetensors, checked by loading\n"
    "them. Only tensors are read: a checkpoint that holds code is refused.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli convert: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (args == NULL || g_strv_length (args) != 1 || arch == NULL || out == NULL)
    {
      fprintf (stderr, "fovea-cli convert: give one CHECKPOINT, --arch NAME and --out DIR\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (num_classes < -1)
    {
      fprintf (stderr, "fovea-cli convert: --num-classes must be 0 or more\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  ValidateFunc validate = find_validator (arch);
  if (validate == NULL)
    {
      fprintf (stderr, "fovea-cli convert: architecture “%s” is not one Fovea loads "
               "(ViTs: vit_{tiny,small,base,large,huge}_patch{8,14,16,32}_SIZE)\n", arch);
      return FOVEA_CLI_EXIT_FATAL;
    }
  /* "DIR/" names DIR: its staging folder is made beside it. */
  while (strlen (out) > 1 && g_str_has_suffix (out, G_DIR_SEPARATOR_S))
    out[strlen (out) - 1] = '\0';
  const char *checkpoint = args[0];
  if (!g_file_test (checkpoint, G_FILE_TEST_IS_REGULAR))
    {
      fprintf (stderr, "fovea-cli convert: %s: no such file\n", checkpoint);
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  g_ptr_array_add (reads, (gpointer) checkpoint);
  g_ptr_array_add (reads, base_config);
  /* Existence is checked below: an existing file is refused even with --force. */
  if (!fovea_output_guard_check (out, reads, TRUE, &error))
    {
      fprintf (stderr, "fovea-cli convert: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (g_file_test (out, G_FILE_TEST_EXISTS))
    {
      if (!g_file_test (out, G_FILE_TEST_IS_DIR))
        {
          fprintf (stderr, "fovea-cli convert: %s exists and is not a folder\n", out);
          return FOVEA_CLI_EXIT_FATAL;
        }
      if (!force)
        {
          fprintf (stderr, "fovea-cli convert: %s exists; use --force to replace it\n", out);
          return FOVEA_CLI_EXIT_FATAL;
        }
    }
  return convert (checkpoint, base_config, arch, num_classes, out, validate)
         ? FOVEA_CLI_EXIT_OK : FOVEA_CLI_EXIT_FATAL;
}
