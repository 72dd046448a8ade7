/* fuzz-torch-checkpoint.c: PyTorch checkpoints (fovea-torch-checkpoint.h).
 * The first byte chooses how the rest is read (its value modulo 2):
 *   0  a whole checkpoint file: the zip's directory, members and sizes;
 *   1  a pickle and its storages, packed as
 *        n (1 byte, at most 16), n sizes (4 bytes little-endian each),
 *        the n storages' bytes, then the pickle (the rest);
 *      the target zips them as torch.save does (archive/data.pkl,
 *      archive/data/0 …, archive/version) with correct CRCs, so that
 *      mutations reach the pickle machine and the tensor copies instead
 *      of stopping at a CRC mismatch.
 * Every tensor of a checkpoint that loads is read in full. The seeds in
 * corpus/torch-checkpoint/ (make-torch-checkpoint-fixtures.py) carry the
 * byte. */
#include "fuzz-target.h"

#include <string.h>
#include <zlib.h>

#include "fovea-torch-checkpoint.h"

enum { WHOLE_FILE, PICKLE_AND_STORAGES, N_MODES };

#define MAX_STORAGES 16

static volatile float sink;

static void
put16 (GByteArray *out, guint v)
{
  guint8 b[2] = { v & 0xff, (v >> 8) & 0xff };
  g_byte_array_append (out, b, 2);
}

static void
put32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (out, b, 4);
}

typedef struct {
  const char   *name;
  const guint8 *data;
  gsize         size;
} Member;

/* A zip of stored members: local headers and data, the central
 * directory, its end record. */
static GBytes *
make_zip (const Member *members, guint n)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree guint32 *offsets = g_new (guint32, n);
  g_autofree guint32 *crcs = g_new (guint32, n);
  for (guint i = 0; i < n; i++)
    {
      const Member *m = &members[i];
      offsets[i] = out->len;
      crcs[i] = (guint32) crc32_z (0, m->data, m->size);
      put32 (out, 0x04034b50);
      put16 (out, 20), put16 (out, 0), put16 (out, 0), put16 (out, 0), put16 (out, 0);
      put32 (out, crcs[i]), put32 (out, (guint32) m->size), put32 (out, (guint32) m->size);
      put16 (out, (guint) strlen (m->name)), put16 (out, 0);
      g_byte_array_append (out, (const guint8 *) m->name, (guint) strlen (m->name));
      g_byte_array_append (out, m->data, (guint) m->size);
    }
  guint32 directory = out->len;
  for (guint i = 0; i < n; i++)
    {
      const Member *m = &members[i];
      put32 (out, 0x02014b50);
      put16 (out, 20), put16 (out, 20), put16 (out, 0), put16 (out, 0);
      put16 (out, 0), put16 (out, 0);
      put32 (out, crcs[i]), put32 (out, (guint32) m->size), put32 (out, (guint32) m->size);
      put16 (out, (guint) strlen (m->name)), put16 (out, 0), put16 (out, 0);
      put16 (out, 0), put16 (out, 0), put32 (out, 0), put32 (out, offsets[i]);
      g_byte_array_append (out, (const guint8 *) m->name, (guint) strlen (m->name));
    }
  guint32 directory_size = out->len - directory;
  put32 (out, 0x06054b50);
  put16 (out, 0), put16 (out, 0), put16 (out, n), put16 (out, n);
  put32 (out, directory_size), put32 (out, directory), put16 (out, 0);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
pack_pickle_and_storages (const uint8_t *data, size_t size)
{
  if (size < 1)
    return NULL;
  guint n = MIN (data[0], MAX_STORAGES);
  gsize pos = 1;
  gsize sizes[MAX_STORAGES];
  for (guint i = 0; i < n; i++)
    {
      if (size - pos < 4)
        return NULL;
      sizes[i] = (gsize) data[pos] | (gsize) data[pos + 1] << 8 |
                 (gsize) data[pos + 2] << 16 | (gsize) data[pos + 3] << 24;
      pos += 4;
    }
  Member members[MAX_STORAGES + 2];
  char names[MAX_STORAGES][32];
  for (guint i = 0; i < n; i++)
    {
      gsize take = MIN (sizes[i], size - pos);
      g_snprintf (names[i], sizeof names[i], "archive/data/%u", i);
      members[i + 1] = (Member) { names[i], data + pos, take };
      pos += take;
    }
  members[0] = (Member) { "archive/data.pkl", data + pos, size - pos };
  members[n + 1] = (Member) { "archive/version", (const guint8 *) "3\n", 2 };
  return make_zip (members, n + 2);
}

static void
check (GBytes *bytes)
{
  FoveaTorchCheckpointInfo info;
  GError *error = NULL;
  FoveaSafetensors *st = fovea_torch_checkpoint_new_from_bytes (bytes, "fuzz", &info, &error);
  if ((st == NULL) == (error == NULL) || (st != NULL) != (info.skipped != NULL))
    __builtin_trap ();
  for (guint i = 0; st != NULL && i < fovea_safetensors_get_n_tensors (st); i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      const float *values = fovea_safetensors_get_f32 (st, view->name, view->n_dims,
                                                       view->shape, NULL);
      if (values == NULL)
        __builtin_trap ();
      for (gsize k = 0; k < view->n_elements; k++)
        sink = values[k];
    }
  if (st != NULL)
    fovea_safetensors_unref (st);
  fovea_torch_checkpoint_info_clear (&info);
  g_clear_error (&error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  GBytes *bytes = data[0] % N_MODES == WHOLE_FILE
                  ? g_bytes_new (data + 1, size - 1)
                  : pack_pickle_and_storages (data + 1, size - 1);
  if (bytes != NULL)
    {
      check (bytes);
      g_bytes_unref (bytes);
    }
  return 0;
}
