/* fovea-adapter-melo.c: a MeLo adapter file as a FoveaLora.
 *
 * MeLo (LoRA-ViT's LoRA_ViT_timm) adds rank-r updates to the q and v
 * slices of each block's fused qkv output, qkv[..., :D] and qkv[..., -D:],
 * times the integer alpha // r, and saves them with save_lora_parameters
 * as w_a_{i:03d} (r × D) and w_b_{i:03d} (D × r), where index 2i is block
 * i's q and 2i + 1 its v, plus fc_{D}in_{C}out, its head's weight (no
 * bias is saved: the head bias is zero). */
#define G_LOG_DOMAIN "fovea-adapter-melo"

#include <stdio.h>
#include <string.h>

#include "fovea-adapter-private.h"

typedef struct {
  int rank;   /* 0 when the name has no tag */
  int alpha;
} MeloTag;

/* The last "_lora_{r}_{alpha}" in name, if any. */
static gboolean
parse_tag (const FoveaLora *lora,
           const char      *name,
           MeloTag         *tag,
           GError         **error)
{
  *tag = (MeloTag) { 0, 0 };
  g_autoptr (GRegex) regex = g_regex_new ("_lora_([0-9]+)_([0-9]+)(?![0-9])", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *rank = NULL, *alpha = NULL;
  for (g_regex_match (regex, name, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_free (rank);
      g_free (alpha);
      rank = g_match_info_fetch (match, 1);
      alpha = g_match_info_fetch (match, 2);
    }
  if (rank == NULL)
    return TRUE;
  guint64 r, a;
  if (!g_ascii_string_to_unsigned (rank, 10, 1, FOVEA_ADAPTER_MAX_RANK, &r, NULL) ||
      !g_ascii_string_to_unsigned (alpha, 10, 0, G_MAXINT, &a, NULL))
    {
      fovea_adapter_set_error (error, lora, "the file name's tag _lora_%s_%s has no usable "
                               "rank and alpha", rank, alpha);
      return FALSE;
    }
  *tag = (MeloTag) { (int) r, (int) a };
  return TRUE;
}

static gboolean
resolve_scale (const FoveaLora           *lora,
               const MeloTag             *tag,
               const FoveaAdapterOptions *options,
               float                     *scale,
               GError                   **error)
{
  int option = options ? options->melo_scale : 0;
  if (option < 0)
    {
      fovea_adapter_set_error (error, lora, "the MeLo scale %d is negative", option);
      return FALSE;
    }
  if (tag->rank > 0 && option > 0 && option != tag->alpha / tag->rank)
    {
      fovea_adapter_set_error (error, lora, "the MeLo scale %d given conflicts with the "
                               "file name's _lora_%d_%d (scale %d)", option, tag->rank,
                               tag->alpha, tag->alpha / tag->rank);
      return FALSE;
    }
  /* MeLo's integer division, as (self.alpha // self.r) */
  *scale = tag->rank > 0 ? (float) (tag->alpha / tag->rank) : option > 0 ? (float) option : 1.0f;
  return TRUE;
}

/* The w_a / w_b index of name, or -1 if it is neither. */
static int
parse_update_index (const char *name,
                    gboolean   *is_a)
{
  int index;
  if (strlen (name) < 5 || strncmp (name, "w_", 2) != 0 || (name[2] != 'a' && name[2] != 'b') ||
      name[3] != '_' || !fovea_adapter_parse_index (name + 4, strlen (name + 4), 3, &index))
    return -1;
  *is_a = name[2] == 'a';
  return index;
}

/* Whether name is fc_{in}in_{out}out, with both numbers canonical. */
static gboolean
parse_head_name (const char *name,
                 int        *in_features,
                 int        *classes)
{
  int consumed = 0;
  if (sscanf (name, "fc_%9din_%9dout%n", in_features, classes, &consumed) != 2 ||
      name[consumed] != '\0' || *in_features < 1 || *classes < 1)
    return FALSE;
  g_autofree char *canonical = g_strdup_printf ("fc_%din_%dout", *in_features, *classes);
  return strcmp (canonical, name) == 0;
}

static gboolean
read_head (FoveaLora        *lora,
           FoveaSafetensors *st,
           const char       *name,
           int               in_features,
           int               classes,
           int               embed_dim,
           GError          **error)
{
  if (lora->head_weight != NULL)
    {
      fovea_adapter_set_error (error, lora, "tensor “%s”: a second head", name);
      return FALSE;
    }
  if (in_features != embed_dim)
    {
      fovea_adapter_set_error (error, lora, "tensor “%s”: a head for %d features, the "
                               "backbone's embedding has %d", name, in_features, embed_dim);
      return FALSE;
    }
  gint64 shape[2] = { classes, in_features };
  lora->head_weight = fovea_adapter_get_tensor (lora, st, name, 2, shape, error);
  lora->head_classes = classes;
  lora->head_width = in_features;
  return lora->head_weight != NULL;
}

/* Sorts the file's tensors into pairs by index (found[index]: 1 for w_a,
 * 2 for w_b) and reads the head; anything else is refused. */
static gboolean
scan_tensors (FoveaLora        *lora,
              FoveaSafetensors *st,
              int               embed_dim,
              guint8           *found,
              GError          **error)
{
  int n_indices = 2 * lora->depth;
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    {
      const char *name = fovea_safetensors_get_nth (st, i)->name;
      gboolean is_a;
      int index = parse_update_index (name, &is_a);
      int in_features, classes;
      if (index >= n_indices)
        {
          fovea_adapter_set_error (error, lora, "tensor “%s”: index %d is block %d's, the "
                                   "backbone has %d blocks", name, index, index / 2, lora->depth);
          return FALSE;
        }
      else if (index >= 0)
        found[index] |= is_a ? 1 : 2;
      else if (parse_head_name (name, &in_features, &classes))
        {
          if (!read_head (lora, st, name, in_features, classes, embed_dim, error))
            return FALSE;
        }
      else
        {
          fovea_adapter_set_error (error, lora, "tensor “%s” is not a MeLo tensor (w_a_NNN, "
                                   "w_b_NNN or fc_{D}in_{C}out)", name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_adapter (FoveaLora                 *lora,
              FoveaSafetensors          *st,
              const FoveaVitConfig      *backbone,
              const FoveaAdapterOptions *options,
              GError                   **error)
{
  MeloTag tag;
  float scale;
  if (!parse_tag (lora, lora->name, &tag, error) ||
      !resolve_scale (lora, &tag, options, &scale, error))
    return FALSE;

  int dim = backbone->embed_dim;
  g_autofree guint8 *found = g_new0 (guint8, 2 * (gsize) lora->depth);
  if (!scan_tensors (lora, st, dim, found, error))
    return FALSE;

  gboolean any = lora->head_weight != NULL;
  for (int index = 0; index < 2 * lora->depth; index++)
    {
      if (found[index] == 0)
        continue;
      g_autofree char *a_name = g_strdup_printf ("w_a_%03d", index);
      g_autofree char *b_name = g_strdup_printf ("w_b_%03d", index);
      FoveaLoraUpdate update;
      /* q is qkv's first D outputs, v its last D. */
      if (!fovea_adapter_read_update (lora, st, a_name, b_name, tag.rank, dim, dim,
                                      index % 2 ? 2 * dim : 0, scale, &update, error))
        return FALSE;
      fovea_lora_add_update (lora, index / 2, FOVEA_LORA_QKV, &update);
      any = TRUE;
    }
  if (!any)
    {
      fovea_adapter_set_error (error, lora, "the file holds no MeLo tensors");
      return FALSE;
    }
  return TRUE;
}

FoveaLora *
fovea_adapter_load_melo_data (FoveaSafetensors          *weights,
                              const char                *name,
                              const FoveaVit            *vit,
                              const FoveaAdapterOptions *options,
                              GError                   **error)
{
  const FoveaVitConfig *backbone = fovea_vit_get_config (vit);
  g_autoptr (FoveaLora) lora = fovea_lora_new (name, backbone->depth);
  g_ptr_array_add (lora->files, fovea_safetensors_ref (weights));
  if (!read_adapter (lora, weights, backbone, options, error) ||
      !fovea_vit_check_lora (vit, lora, error))
    return NULL;
  return g_steal_pointer (&lora);
}
