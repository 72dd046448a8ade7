/* fovea-patchcore-io.c: a memory bank as a safetensors file, its card as
 * JSON in __metadata__, and the checks that loading makes. */
#define G_LOG_DOMAIN "fovea-patchcore-io"

#include "fovea-patchcore.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-json-check.h"
#include "fovea-json-number.h"
#include "fovea-safetensors.h"

#define MEMORY_TENSOR "memory_bank"
#define SCORES_TENSOR "normal_image_scores"
/* A card is a few kilobytes; its nesting is three levels. */
#define CARD_MAX_DEPTH 8

static void
add_string (JsonBuilder *builder, const char *member, const char *value)
{
  json_builder_set_member_name (builder, member);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_int (JsonBuilder *builder, const char *member, gint64 value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

static char *
card_to_json (const FoveaPatchCard *card)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_int (b, "version", FOVEA_PATCHCORE_CARD_VERSION);

  json_builder_set_member_name (b, "backbone");
  json_builder_begin_object (b);
  add_string (b, "kind", card->backbone_kind == FOVEA_PATCH_BACKBONE_CNN ? "cnn" : "vit");
  add_string (b, "architecture", card->backbone_architecture);
  add_string (b, "sha256", card->backbone_sha256);
  add_string (b, "adapter_sha256", card->adapter_sha256);
  add_int (b, "layer", card->layer);
  if (card->backbone_kind == FOVEA_PATCH_BACKBONE_CNN)
    {
      json_builder_set_member_name (b, "stages");
      json_builder_begin_array (b);
      for (int i = 0; i < card->n_stages; i++)
        json_builder_add_int_value (b, card->stages[i]);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "input_size");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, card->input_height);
  json_builder_add_int_value (b, card->input_width);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "fundus_crop");
  json_builder_add_boolean_value (b, card->fundus_crop);
  json_builder_end_object (b);

  add_string (b, "modality", card->modality);

  json_builder_set_member_name (b, "coreset");
  json_builder_begin_object (b);
  fovea_json_add_number (b, "ratio", card->coreset_ratio);
  add_int (b, "projection_dim", card->projection_dim);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, card->seed);
  add_string (b, "seed", seed);
  add_int (b, "n_source_patches", card->n_source_patches);
  fovea_json_add_number (b, "radius", card->coreset_radius);
  json_builder_end_object (b);

  fovea_json_add_number (b, "smoothing_sigma_patches", card->smoothing_sigma);

  json_builder_set_member_name (b, "image_score");
  json_builder_begin_object (b);
  static const char *const kinds[] = { "max", "mean", "texture" };
  add_string (b, "kind", kinds[card->score_kind]);
  fovea_json_add_number (b, "normal_max", card->normal_score_max);
  fovea_json_add_number (b, "normal_mean", card->normal_score_mean);
  fovea_json_add_number (b, "normal_std", card->normal_score_std);
  json_builder_end_object (b);

  if (isfinite (card->thresholds[0]) && isfinite (card->thresholds[1]))
    {
      json_builder_set_member_name (b, "quality_thresholds");
      json_builder_begin_object (b);
      fovea_json_add_number (b, "outstanding_max", card->thresholds[0]);
      fovea_json_add_number (b, "gradable_max", card->thresholds[1]);
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "source_images");
  json_builder_begin_array (b);
  for (guint i = 0; card->source_images != NULL && card->source_images[i] != NULL; i++)
    json_builder_add_string_value (b, card->source_images[i]);
  json_builder_end_array (b);
  add_string (b, "note", card->note);
  json_builder_end_object (b);

  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, TRUE);
}

gboolean
fovea_patch_bank_save (const FoveaPatchBank *bank, const char *path, GError **error)
{
  g_return_val_if_fail (bank != NULL && path != NULL, FALSE);

  FoveaTensorView views[2] = {
    { .name = MEMORY_TENSOR, .dtype = FOVEA_DTYPE_F32, .n_dims = 2,
      .shape = { bank->n, bank->dim }, .n_elements = (gsize) bank->n * bank->dim,
      .data = bank->memory, .n_bytes = (gsize) bank->n * bank->dim * sizeof (float) },
    { .name = SCORES_TENSOR, .dtype = FOVEA_DTYPE_F32, .n_dims = 1,
      .shape = { bank->n_normal_scores }, .n_elements = (gsize) bank->n_normal_scores,
      .data = bank->normal_scores, .n_bytes = (gsize) bank->n_normal_scores * sizeof (float) },
  };
  g_autofree char *card = card_to_json (&bank->card);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, (gpointer) "format", (gpointer) "pt");
  g_hash_table_insert (metadata, (gpointer) FOVEA_PATCHCORE_CARD_KEY, card);
  return fovea_safetensors_write (path, views, 2, metadata, error);
}

/* Card parsing: every field is required and checked; the messages name
 * the file and the field. */
typedef struct {
  const char *path;
  GError    **error;
  gboolean    failed;
} CardReader;

static void
card_fail (CardReader *r, const char *field, const char *what)
{
  if (!r->failed)
    g_set_error (r->error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                 "%s: anomaly card field “%s” %s", r->path, field, what);
  r->failed = TRUE;
}

static JsonNode *
member (CardReader *r, JsonObject *object, const char *name, JsonNodeType type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  if (node == NULL || JSON_NODE_TYPE (node) != type)
    {
      card_fail (r, name, type == JSON_NODE_OBJECT ? "is missing or not an object"
                        : type == JSON_NODE_ARRAY ? "is missing or not an array"
                        : "is missing or of the wrong type");
      return NULL;
    }
  return node;
}

static char *
read_string (CardReader *r, JsonObject *object, const char *name, gboolean nullable)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  if (nullable && node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      card_fail (r, name, "is missing or not a string");
      return NULL;
    }
  return g_strdup (json_node_get_string (node));
}

static gint64
read_int (CardReader *r, JsonObject *object, const char *name, gint64 min, gint64 max)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    {
      card_fail (r, name, "is missing, not an integer or out of range");
      return min;
    }
  return json_node_get_int (node);
}

/* A number, or NaN for null when nullable. */
static double
read_number (CardReader *r, JsonObject *object, const char *name, gboolean nullable)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  if (nullable && node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NAN;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
       json_node_get_value_type (node) == G_TYPE_INT64))
    return json_node_get_double (node);
  card_fail (r, name, "is missing or not a number");
  return NAN;
}

/* A CNN's stages: 1 … FOVEA_PATCHCORE_MAX_STAGES block indices, strictly
 * increasing. */
static void
read_stages (CardReader *r, JsonObject *o, FoveaPatchCard *card)
{
  JsonNode *node = member (r, o, "stages", JSON_NODE_ARRAY);
  JsonArray *a = node != NULL ? json_node_get_array (node) : NULL;
  guint n = a != NULL ? json_array_get_length (a) : 0;
  if (a == NULL)
    return;
  if (n < 1 || n > FOVEA_PATCHCORE_MAX_STAGES)
    {
      card_fail (r, "stages", "does not hold 1 to 4 block indices");
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64 ||
          json_node_get_int (e) < 0 || json_node_get_int (e) > 4096 ||
          (i > 0 && json_node_get_int (e) <= card->stages[i - 1]))
        {
          card_fail (r, "stages", "holds something other than increasing block indices");
          return;
        }
      card->stages[i] = (int) json_node_get_int (e);
    }
  card->n_stages = (int) n;
}

/* backbone.kind: "vit" or "cnn"; a version 1 card has none and is a ViT's. */
static void
read_kind (CardReader *r, JsonObject *o, gint64 version, FoveaPatchCard *card)
{
  card->backbone_kind = FOVEA_PATCH_BACKBONE_VIT;
  if (version < 2)
    return;
  g_autofree char *kind = read_string (r, o, "kind", FALSE);
  if (g_strcmp0 (kind, "cnn") == 0)
    {
      card->backbone_kind = FOVEA_PATCH_BACKBONE_CNN;
      read_stages (r, o, card);
    }
  else if (kind != NULL && strcmp (kind, "vit") != 0)
    card_fail (r, "kind", "is not “vit” or “cnn”");
}

static void
read_backbone (CardReader *r, JsonObject *o, gint64 version, FoveaPatchCard *card)
{
  read_kind (r, o, version, card);
  card->backbone_architecture = read_string (r, o, "architecture", FALSE);
  card->backbone_sha256 = read_string (r, o, "sha256", FALSE);
  card->adapter_sha256 = read_string (r, o, "adapter_sha256", TRUE);
  card->layer = (int) read_int (r, o, "layer", -1, 4096);
  JsonNode *size = member (r, o, "input_size", JSON_NODE_ARRAY);
  JsonArray *a = size != NULL ? json_node_get_array (size) : NULL;
  if (a != NULL && json_array_get_length (a) == 2 &&
      JSON_NODE_HOLDS_VALUE (json_array_get_element (a, 0)) &&
      JSON_NODE_HOLDS_VALUE (json_array_get_element (a, 1)))
    {
      card->input_height = (int) CLAMP (json_array_get_int_element (a, 0), 0, 65536);
      card->input_width = (int) CLAMP (json_array_get_int_element (a, 1), 0, 65536);
    }
  if (card->input_height < 1 || card->input_width < 1)
    card_fail (r, "input_size", "is not [height, width] of positive integers");
  JsonNode *crop = o != NULL ? json_object_get_member (o, "fundus_crop") : NULL;
  if (crop == NULL || !JSON_NODE_HOLDS_VALUE (crop) ||
      json_node_get_value_type (crop) != G_TYPE_BOOLEAN)
    card_fail (r, "fundus_crop", "is missing or not a boolean");
  else
    card->fundus_crop = json_node_get_boolean (crop);
  if (card->backbone_sha256 != NULL && strlen (card->backbone_sha256) != 64)
    card_fail (r, "sha256", "is not a SHA-256 in hex");
}

static void
read_coreset (CardReader *r, JsonObject *o, FoveaPatchCard *card)
{
  card->coreset_ratio = read_number (r, o, "ratio", FALSE);
  if (!r->failed && !(card->coreset_ratio > 0.0 && card->coreset_ratio <= 1.0))
    card_fail (r, "ratio", "is outside (0, 1]");
  card->projection_dim = (int) read_int (r, o, "projection_dim", 0, 1 << 20);
  g_autofree char *seed = read_string (r, o, "seed", FALSE);
  if (seed != NULL && !g_ascii_string_to_unsigned (seed, 10, 0, G_MAXUINT64, &card->seed, NULL))
    card_fail (r, "seed", "is not a decimal integer");
  card->n_source_patches = read_int (r, o, "n_source_patches", 1, G_MAXINT64 / 2);
  card->coreset_radius = read_number (r, o, "radius", TRUE);
}

static void
read_score (CardReader *r, JsonObject *root, FoveaPatchCard *card)
{
  card->smoothing_sigma = read_number (r, root, "smoothing_sigma_patches", FALSE);
  if (!r->failed && !(card->smoothing_sigma >= 0.0 && card->smoothing_sigma <= 64.0))
    card_fail (r, "smoothing_sigma_patches", "is outside [0, 64]");
  JsonNode *node = member (r, root, "image_score", JSON_NODE_OBJECT);
  g_autofree char *kind = read_string (r, node ? json_node_get_object (node) : NULL,
                                       "kind", FALSE);
  if (g_strcmp0 (kind, "max") == 0)
    card->score_kind = FOVEA_PATCH_SCORE_MAX;
  else if (g_strcmp0 (kind, "mean") == 0)
    card->score_kind = FOVEA_PATCH_SCORE_MEAN;
  else if (g_strcmp0 (kind, "texture") == 0)
    card->score_kind = FOVEA_PATCH_SCORE_TEXTURE;
  else if (kind != NULL)
    card_fail (r, "image_score.kind", "is not “max”, “mean” or “texture”");

  JsonNode *t = root != NULL ? json_object_get_member (root, "quality_thresholds") : NULL;
  if (t == NULL)
    return;
  JsonObject *to = JSON_NODE_HOLDS_OBJECT (t) ? json_node_get_object (t) : NULL;
  card->thresholds[0] = read_number (r, to, "outstanding_max", FALSE);
  card->thresholds[1] = read_number (r, to, "gradable_max", FALSE);
  if (!r->failed && !(isfinite (card->thresholds[0]) && card->thresholds[1] >= card->thresholds[0]))
    card_fail (r, "quality_thresholds", "are not finite with outstanding_max ≤ gradable_max");
}

static void
read_sources (CardReader *r, JsonObject *root, FoveaPatchCard *card)
{
  JsonNode *node = member (r, root, "source_images", JSON_NODE_ARRAY);
  if (node == NULL)
    return;
  JsonArray *a = json_node_get_array (node);
  guint n = json_array_get_length (a);
  card->source_images = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          card_fail (r, "source_images", "holds something other than strings");
          return;
        }
      card->source_images[i] = g_strdup (json_node_get_string (e));
    }
}

static gboolean
card_from_json (const char *path, const char *text, FoveaPatchCard *card, GError **error)
{
  if (!fovea_json_check_text (text, strlen (text), CARD_MAX_DEPTH, path,
                              FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT, error))
    return FALSE;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) parse_error = NULL;
  if (!json_parser_load_from_data (parser, text, -1, &parse_error))
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                   "%s: the anomaly card is not valid JSON: %s", path, parse_error->message);
      return FALSE;
    }
  JsonNode *root_node = json_parser_get_root (parser);
  JsonObject *root = root_node != NULL && JSON_NODE_HOLDS_OBJECT (root_node)
                   ? json_node_get_object (root_node) : NULL;
  CardReader r = { path, error, FALSE };
  gint64 version = read_int (&r, root, "version", 1, FOVEA_PATCHCORE_CARD_VERSION);
  if (r.failed)
    return FALSE;
  JsonNode *backbone = member (&r, root, "backbone", JSON_NODE_OBJECT);
  read_backbone (&r, backbone ? json_node_get_object (backbone) : NULL, version, card);
  card->modality = read_string (&r, root, "modality", FALSE);
  JsonNode *coreset = member (&r, root, "coreset", JSON_NODE_OBJECT);
  read_coreset (&r, coreset ? json_node_get_object (coreset) : NULL, card);
  read_score (&r, root, card);
  read_sources (&r, root, card);
  card->note = read_string (&r, root, "note", TRUE);
  return !r.failed;
}

static gboolean
check_finite_scores (const float *scores, int n, GError **error)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (scores[i]))
      {
        g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                     "“" SCORES_TENSOR "” value %d is not finite (%g)", i, scores[i]);
        return FALSE;
      }
  return TRUE;
}

/* The bank in st; path names it in messages. */
static FoveaPatchBank *
bank_from_safetensors (FoveaSafetensors *st, const char *path, GError **error)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, MEMORY_TENSOR);
  if (view == NULL || view->n_dims != 2 || view->shape[0] < 1 || view->shape[1] < 1 ||
      view->shape[0] > G_MAXINT / 2 || view->shape[1] > 1 << 20)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                   "%s: not a memory bank: “" MEMORY_TENSOR "” must be a non-empty "
                   "[N, D] tensor%s", path, view == NULL ? ", and there is none" : "");
      return NULL;
    }
  gint64 shape[2] = { view->shape[0], view->shape[1] };
  g_autoptr (GError) weights_error = NULL;
  const float *memory = fovea_safetensors_get_weights (st, MEMORY_TENSOR, 2, shape,
                                                       &weights_error);
  if (memory == NULL)
    {
      /* A bank that is not finite is a malformed bank, said as such. */
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT, "%s",
                   weights_error->message);
      return NULL;
    }

  const FoveaTensorView *scores_view = fovea_safetensors_lookup (st, SCORES_TENSOR);
  gint64 n_scores = scores_view != NULL && scores_view->n_dims == 1 ? scores_view->shape[0] : -1;
  const float *scores = n_scores >= 0 && n_scores < G_MAXINT
                      ? fovea_safetensors_get_f32 (st, SCORES_TENSOR, 1, &n_scores, NULL) : NULL;
  if (scores == NULL)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                   "%s: “" SCORES_TENSOR "” is missing or not a vector", path);
      return NULL;
    }

  g_autoptr (GError) local = NULL;
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_new (memory, (int) shape[0],
                                                          (int) shape[1], &local);
  if (bank == NULL || !check_finite_scores (scores, (int) n_scores, &local))
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                   "%s: %s", path, local->message);
      return NULL;
    }
  fovea_patch_bank_set_normal_scores (bank, scores, (int) n_scores);

  const char *card_text = fovea_safetensors_get_metadata (st, FOVEA_PATCHCORE_CARD_KEY);
  if (card_text == NULL)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                   "%s: no anomaly card (__metadata__ “" FOVEA_PATCHCORE_CARD_KEY "”): "
                   "nothing says which backbone made these features", path);
      return NULL;
    }
  /* The statistics come from the scores themselves, not the card's copy. */
  double max = bank->card.normal_score_max, mean = bank->card.normal_score_mean;
  double std = bank->card.normal_score_std;
  if (!card_from_json (path, card_text, &bank->card, error))
    return NULL;
  bank->card.normal_score_max = max;
  bank->card.normal_score_mean = mean;
  bank->card.normal_score_std = std;
  return g_steal_pointer (&bank);
}

FoveaPatchBank *
fovea_patch_bank_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, error);
  if (st == NULL)
    return NULL;
  return bank_from_safetensors (st, path, error);
}

FoveaPatchBank *
fovea_patch_bank_load_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_return_val_if_fail (bytes != NULL && name != NULL, NULL);

  g_autoptr (FoveaSafetensors) st = fovea_safetensors_new_from_bytes (bytes, name, error);
  if (st == NULL)
    return NULL;
  return bank_from_safetensors (st, name, error);
}
