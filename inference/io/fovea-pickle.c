/* fovea-pickle.c: the restricted pickle machine: opcodes in, a tree of
 * values out, nothing called (see fovea-pickle.h for what is read).
 *
 * The machine follows CPython's _pickle.c: MARKs live on their own stack,
 * so an opcode can only pop values pushed after the innermost MARK ("stack
 * underflow" otherwise), and the memo is a map from any index to a value.
 * Every value is allocated in one list owned by the FoveaPickle, so shared
 * and cyclic trees are freed without walking them. */
#define G_LOG_DOMAIN "fovea-pickle"

#include "fovea-pickle.h"

#include <string.h>

/* Far above what a checkpoint needs (a 10 000-tensor state dict makes
 * about 250 000 values), low enough that a hostile pickle costs at most
 * a few hundred MB. */
#define MAX_VALUES (1u << 21)
#define MAX_MEMO   (1u << 21)
#define MAX_MARKS  (1u << 20)
/* GLOBAL's module and name are text lines; real ones are short. */
#define MAX_GLOBAL_LINE 256
/* How much of an untrusted name an error message shows. */
#define MAX_SHOWN_NAME 80

struct _FoveaPickle {
  GPtrArray        *values;  /* every value made, owned */
  FoveaPickleValue *root;
};

typedef struct {
  const guint8            *data;
  gsize                    length;
  gsize                    pos;
  gsize                    op_pos;    /* where the current opcode starts */
  guint8                   op;
  const char              *file;
  const char              *member;
  const FoveaPickleGlobal *allowed;
  guint                    n_allowed;
  FoveaPickle             *pickle;
  GPtrArray               *stack;     /* values, not owned */
  GArray                  *marks;     /* guint: the stack's length at each MARK */
  GHashTable              *memo;      /* index → value */
  GError                 **error;
} Machine;

/* Every opcode of pickle protocols 0–5, for naming the ones refused. */
static const struct {
  guint8      op;
  const char *name;
} opcode_names[] = {
  { '(', "MARK" }, { '.', "STOP" }, { '0', "POP" }, { '1', "POP_MARK" }, { '2', "DUP" },
  { 'F', "FLOAT" }, { 'I', "INT" }, { 'J', "BININT" }, { 'K', "BININT1" }, { 'L', "LONG" },
  { 'M', "BININT2" }, { 'N', "NONE" }, { 'P', "PERSID" }, { 'Q', "BINPERSID" },
  { 'R', "REDUCE" }, { 'S', "STRING" }, { 'T', "BINSTRING" }, { 'U', "SHORT_BINSTRING" },
  { 'V', "UNICODE" }, { 'X', "BINUNICODE" }, { 'a', "APPEND" }, { 'b', "BUILD" },
  { 'c', "GLOBAL" }, { 'd', "DICT" }, { '}', "EMPTY_DICT" }, { 'e', "APPENDS" },
  { 'g', "GET" }, { 'h', "BINGET" }, { 'i', "INST" }, { 'j', "LONG_BINGET" },
  { 'l', "LIST" }, { ']', "EMPTY_LIST" }, { 'o', "OBJ" }, { 'p', "PUT" }, { 'q', "BINPUT" },
  { 'r', "LONG_BINPUT" }, { 's', "SETITEM" }, { 't', "TUPLE" }, { ')', "EMPTY_TUPLE" },
  { 'u', "SETITEMS" }, { 'G', "BINFLOAT" }, { 0x80, "PROTO" }, { 0x81, "NEWOBJ" },
  { 0x82, "EXT1" }, { 0x83, "EXT2" }, { 0x84, "EXT4" }, { 0x85, "TUPLE1" },
  { 0x86, "TUPLE2" }, { 0x87, "TUPLE3" }, { 0x88, "NEWTRUE" }, { 0x89, "NEWFALSE" },
  { 0x8a, "LONG1" }, { 0x8b, "LONG4" }, { 'B', "BINBYTES" }, { 'C', "SHORT_BINBYTES" },
  { 0x8c, "SHORT_BINUNICODE" }, { 0x8d, "BINUNICODE8" }, { 0x8e, "BINBYTES8" },
  { 0x8f, "EMPTY_SET" }, { 0x90, "ADDITEMS" }, { 0x91, "FROZENSET" }, { 0x92, "NEWOBJ_EX" },
  { 0x93, "STACK_GLOBAL" }, { 0x94, "MEMOIZE" }, { 0x95, "FRAME" }, { 0x96, "BYTEARRAY8" },
  { 0x97, "NEXT_BUFFER" }, { 0x98, "READONLY_BUFFER" },
};

G_DEFINE_QUARK (fovea-pickle-error-quark, fovea_pickle_error)

static const char *
opcode_name (guint8 op)
{
  for (gsize i = 0; i < G_N_ELEMENTS (opcode_names); i++)
    if (opcode_names[i].op == op)
      return opcode_names[i].name;
  return NULL;
}

const char *
fovea_pickle_kind_describe (FoveaPickleKind kind)
{
  static const char *const names[] = {
    "None", "a bool", "an int", "an int beyond 64 bits", "a float", "a str", "bytes",
    "a tuple", "a list", "a dict", "a global", "a call", "a persistent id",
  };
  return (guint) kind < G_N_ELEMENTS (names) ? names[kind] : "an unknown value";
}

/* "file: member, byte N (OPCODE): problem". */
static gboolean G_GNUC_PRINTF (3, 4)
fail (Machine *m, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  const char *name = opcode_name (m->op);
  g_set_error (m->error, FOVEA_PICKLE_ERROR, code, "%s: %s, byte %" G_GSIZE_FORMAT " (%s): %s",
               m->file, m->member, m->op_pos, name != NULL ? name : "?", problem);
  return FALSE;
}

/* ---- values --------------------------------------------------------------- */

static void
value_free (gpointer data)
{
  FoveaPickleValue *value = data;
  g_free (value->string);
  g_clear_pointer (&value->items, g_ptr_array_unref);
  g_clear_pointer (&value->index, g_hash_table_unref);
  g_free (value);
}

static FoveaPickleValue *
new_value (Machine *m, FoveaPickleKind kind)
{
  if (m->pickle->values->len >= MAX_VALUES)
    {
      fail (m, FOVEA_PICKLE_ERROR_LIMIT, "more than %u values", MAX_VALUES);
      return NULL;
    }
  FoveaPickleValue *value = g_new0 (FoveaPickleValue, 1);
  value->kind = kind;
  if (kind == FOVEA_PICKLE_TUPLE || kind == FOVEA_PICKLE_LIST || kind == FOVEA_PICKLE_DICT)
    value->items = g_ptr_array_new ();
  g_ptr_array_add (m->pickle->values, value);
  return value;
}

const FoveaPickleValue *
fovea_pickle_dict_lookup (const FoveaPickleValue *dict, const char *key)
{
  if (dict == NULL || dict->kind != FOVEA_PICKLE_DICT || dict->index == NULL)
    return NULL;
  guint position = GPOINTER_TO_UINT (g_hash_table_lookup (dict->index, key));
  return position > 0 ? g_ptr_array_index (dict->items, position) : NULL;
}

/* dict[key] = value, replacing an earlier value of a string key as Python
 * does (other keys are only ever appended: nothing looks them up). */
static void
dict_set (FoveaPickleValue *dict, FoveaPickleValue *key, FoveaPickleValue *value)
{
  if (key->kind == FOVEA_PICKLE_STRING)
    {
      if (dict->index == NULL)
        dict->index = g_hash_table_new (g_str_hash, g_str_equal);
      guint position = GPOINTER_TO_UINT (g_hash_table_lookup (dict->index, key->string));
      if (position > 0)
        {
          g_ptr_array_index (dict->items, position) = value;
          return;
        }
      g_hash_table_insert (dict->index, key->string, GUINT_TO_POINTER (dict->items->len + 1));
    }
  g_ptr_array_add (dict->items, key);
  g_ptr_array_add (dict->items, value);
}

/* ---- reading the stream ---------------------------------------------------- */

static gboolean
need (Machine *m, guint64 n)
{
  if (n > m->length - m->pos)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED,
                 "the pickle ends inside the opcode (%" G_GUINT64_FORMAT " more bytes needed, "
                 "%" G_GSIZE_FORMAT " left)", n, m->length - m->pos);
  return TRUE;
}

/* n ≤ 8 little-endian bytes, unsigned. */
static gboolean
read_le (Machine *m, int n, guint64 *out)
{
  if (!need (m, (guint64) n))
    return FALSE;
  guint64 v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = (v << 8) | m->data[m->pos + (gsize) i];
  m->pos += (gsize) n;
  *out = v;
  return TRUE;
}

/* A text line of GLOBAL, without its '\n'. */
static gboolean
read_line (Machine *m, const char **line, gsize *length)
{
  gsize limit = MIN (m->length - m->pos, (gsize) MAX_GLOBAL_LINE + 1);
  const guint8 *start = m->data + m->pos;
  const guint8 *end = memchr (start, '\n', limit);
  if (end == NULL)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED,
                 "a GLOBAL name is unterminated or longer than %d bytes", MAX_GLOBAL_LINE);
  *line = (const char *) start;
  *length = (gsize) (end - start);
  m->pos += *length + 1;
  return TRUE;
}

/* ---- the stack -------------------------------------------------------------- */

static guint
fence (Machine *m)
{
  return m->marks->len > 0 ? g_array_index (m->marks, guint, m->marks->len - 1) : 0;
}

static FoveaPickleValue *
pop (Machine *m)
{
  if (m->stack->len <= fence (m))
    {
      fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "stack underflow");
      return NULL;
    }
  return g_ptr_array_steal_index (m->stack, m->stack->len - 1);
}

static FoveaPickleValue *
top (Machine *m)
{
  if (m->stack->len <= fence (m))
    {
      fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "stack underflow");
      return NULL;
    }
  return g_ptr_array_index (m->stack, m->stack->len - 1);
}

static gboolean
push (Machine *m, FoveaPickleValue *value)
{
  if (value == NULL)
    return FALSE;
  g_ptr_array_add (m->stack, value);
  return TRUE;
}

/* Pops the innermost MARK; *start is where the values after it begin. */
static gboolean
pop_mark (Machine *m, guint *start)
{
  if (m->marks->len == 0)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "no MARK to pop");
  *start = g_array_index (m->marks, guint, m->marks->len - 1);
  g_array_set_size (m->marks, m->marks->len - 1);
  return TRUE;
}

/* The value just below a MARK just popped (the list or dict that APPENDS
 * and SETITEMS fill), which must itself be above the next MARK. */
static FoveaPickleValue *
below_mark (Machine *m, guint start, FoveaPickleKind kind)
{
  if (start == 0 || start - 1 < fence (m))
    {
      fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "stack underflow");
      return NULL;
    }
  FoveaPickleValue *target = g_ptr_array_index (m->stack, start - 1);
  if (target->kind != kind)
    {
      fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "adds items to %s, not %s",
            fovea_pickle_kind_describe (target->kind), fovea_pickle_kind_describe (kind));
      return NULL;
    }
  return target;
}

/* A new sequence of the values from start to the top, which are popped. */
static FoveaPickleValue *
collect (Machine *m, FoveaPickleKind kind, guint start)
{
  FoveaPickleValue *seq = new_value (m, kind);
  if (seq == NULL)
    return NULL;
  for (guint i = start; i < m->stack->len; i++)
    g_ptr_array_add (seq->items, g_ptr_array_index (m->stack, i));
  g_ptr_array_set_size (m->stack, start);
  return seq;
}

/* ---- opcodes ---------------------------------------------------------------- */

/* A printable copy of an untrusted name for messages. */
static char *
show_name (const char *name, gsize length)
{
  GString *s = g_string_new (NULL);
  for (gsize i = 0; i < length && i < MAX_SHOWN_NAME; i++)
    {
      guchar c = (guchar) name[i];
      if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (s, (char) c);
      else
        g_string_append_printf (s, "\\x%02x", c);
    }
  if (length > MAX_SHOWN_NAME)
    g_string_append (s, "…");
  return g_string_free (s, FALSE);
}

static gboolean
push_global (Machine *m, const char *module, gsize module_length,
             const char *name, gsize name_length)
{
  for (guint i = 0; i < m->n_allowed; i++)
    {
      const FoveaPickleGlobal *g = &m->allowed[i];
      if (strlen (g->module) == module_length && memcmp (g->module, module, module_length) == 0 &&
          strlen (g->name) == name_length && memcmp (g->name, name, name_length) == 0)
        {
          FoveaPickleValue *value = new_value (m, FOVEA_PICKLE_GLOBAL);
          if (value == NULL)
            return FALSE;
          value->integer = i;
          return push (m, value);
        }
    }
  g_autofree char *shown_module = show_name (module, module_length);
  g_autofree char *shown_name = show_name (name, name_length);
  g_set_error (m->error, FOVEA_PICKLE_ERROR, FOVEA_PICKLE_ERROR_CODE,
               "%s: this checkpoint contains code: %s %s %s; Fovea loads tensors only",
               m->file, opcode_name (m->op), shown_module, shown_name);
  return FALSE;
}

static gboolean
op_global (Machine *m)
{
  const char *module = NULL, *name = NULL;
  gsize module_length = 0, name_length = 0;
  return read_line (m, &module, &module_length) && read_line (m, &name, &name_length) &&
         push_global (m, module, module_length, name, name_length);
}

static gboolean
op_stack_global (Machine *m)
{
  FoveaPickleValue *name = pop (m);
  FoveaPickleValue *module = name != NULL ? pop (m) : NULL;
  if (module == NULL)
    return FALSE;
  if (module->kind != FOVEA_PICKLE_STRING || name->kind != FOVEA_PICKLE_STRING)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "module and name are not both strings");
  return push_global (m, module->string, module->length, name->string, name->length);
}

/* REDUCE and NEWOBJ: a record of the call, never the call. */
static gboolean
op_call (Machine *m)
{
  FoveaPickleValue *args = pop (m);
  FoveaPickleValue *callable = args != NULL ? pop (m) : NULL;
  if (callable == NULL)
    return FALSE;
  if (callable->kind != FOVEA_PICKLE_GLOBAL)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "calls %s, not a global",
                 fovea_pickle_kind_describe (callable->kind));
  if (args->kind != FOVEA_PICKLE_TUPLE)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "the arguments are %s, not a tuple",
                 fovea_pickle_kind_describe (args->kind));
  const FoveaPickleGlobal *g = &m->allowed[callable->integer];
  if (g->makes_dict)
    {
      if (args->items->len != 0)
        return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "%s.%s is given arguments",
                     g->module, g->name);
      return push (m, new_value (m, FOVEA_PICKLE_DICT));
    }
  FoveaPickleValue *call = new_value (m, FOVEA_PICKLE_CALL);
  if (call == NULL)
    return FALSE;
  call->callable = callable;
  call->args = args;
  return push (m, call);
}

static gboolean
op_build (Machine *m)
{
  FoveaPickleValue *state = pop (m);
  FoveaPickleValue *target = state != NULL ? top (m) : NULL;
  if (target == NULL)
    return FALSE;
  if (target->kind == FOVEA_PICKLE_CALL)
    target->state = state;
  else if (target->kind != FOVEA_PICKLE_DICT)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "sets the state of %s",
                 fovea_pickle_kind_describe (target->kind));
  return TRUE;
}

static gboolean
op_persid (Machine *m)
{
  FoveaPickleValue *id = pop (m);
  FoveaPickleValue *value = id != NULL ? new_value (m, FOVEA_PICKLE_PERSID) : NULL;
  if (value == NULL)
    return FALSE;
  value->args = id;
  return push (m, value);
}

/* Python's str may hold NULs (numpy scalars pickle their raw bytes as a
 * latin-1 str); g_utf8_validate stops at them, so each run between NULs
 * is checked. */
static gboolean
is_utf8 (const char *text, gsize length)
{
  const char *end = text + length;
  while (text < end)
    {
      const char *nul = memchr (text, '\0', (gsize) (end - text));
      const char *stop = nul != NULL ? nul : end;
      if (stop > text && !g_utf8_validate_len (text, (gsize) (stop - text), NULL))
        return FALSE;
      text = nul != NULL ? nul + 1 : end;
    }
  return TRUE;
}

static gboolean
op_string (Machine *m, int length_bytes, FoveaPickleKind kind)
{
  guint64 length;
  if (!read_le (m, length_bytes, &length) || !need (m, length))
    return FALSE;
  const char *text = (const char *) m->data + m->pos;
  if (kind == FOVEA_PICKLE_STRING && !is_utf8 (text, (gsize) length))
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "a string is not valid UTF-8");
  FoveaPickleValue *value = new_value (m, kind);
  if (value == NULL)
    return FALSE;
  /* Not g_strndup: bytes may hold NULs. */
  value->string = g_malloc ((gsize) length + 1);
  memcpy (value->string, text, (gsize) length);
  value->string[length] = '\0';
  value->length = (gsize) length;
  m->pos += (gsize) length;
  return push (m, value);
}

static gboolean
op_int (Machine *m, int n_bytes, gboolean is_signed)
{
  guint64 raw;
  if (!read_le (m, n_bytes, &raw))
    return FALSE;
  FoveaPickleValue *value = new_value (m, FOVEA_PICKLE_INT);
  if (value == NULL)
    return FALSE;
  value->integer = is_signed ? (gint64) (gint32) (guint32) raw : (gint64) raw;
  return push (m, value);
}

/* LONG1 and LONG4: a little-endian two's-complement integer of any size. */
static gboolean
op_long (Machine *m, int length_bytes)
{
  guint64 n;
  if (!read_le (m, length_bytes, &n))
    return FALSE;
  if (length_bytes == 4 && n > G_MAXINT32)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "LONG4 has a negative length");
  if (!need (m, n))
    return FALSE;
  FoveaPickleValue *value = new_value (m, n > 8 ? FOVEA_PICKLE_BIGINT : FOVEA_PICKLE_INT);
  if (value == NULL)
    return FALSE;
  if (n > 0 && n <= 8)
    {
      guint64 raw = 0;
      for (int i = (int) n - 1; i >= 0; i--)
        raw = (raw << 8) | m->data[m->pos + (gsize) i];
      if (n < 8 && (m->data[m->pos + n - 1] & 0x80))
        raw |= G_MAXUINT64 << (8 * n);  /* sign-extend */
      value->integer = (gint64) raw;
    }
  m->pos += (gsize) n;
  return push (m, value);
}

static gboolean
op_float (Machine *m)
{
  if (!need (m, 8))
    return FALSE;
  guint64 raw = 0;
  for (int i = 0; i < 8; i++)
    raw = (raw << 8) | m->data[m->pos + (gsize) i];  /* big-endian */
  m->pos += 8;
  FoveaPickleValue *value = new_value (m, FOVEA_PICKLE_FLOAT);
  if (value == NULL)
    return FALSE;
  memcpy (&value->number, &raw, sizeof raw);
  return push (m, value);
}

static gboolean
op_tuple_n (Machine *m, guint n)
{
  if (m->stack->len < fence (m) + n)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "stack underflow");
  return push (m, collect (m, FOVEA_PICKLE_TUPLE, m->stack->len - n));
}

static gboolean
op_collect (Machine *m, FoveaPickleKind kind)
{
  guint start;
  if (!pop_mark (m, &start))
    return FALSE;
  if (kind != FOVEA_PICKLE_DICT)
    return push (m, collect (m, kind, start));
  if ((m->stack->len - start) % 2 != 0)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "an odd number of keys and values");
  FoveaPickleValue *dict = new_value (m, FOVEA_PICKLE_DICT);
  if (dict == NULL)
    return FALSE;
  for (guint i = start; i < m->stack->len; i += 2)
    dict_set (dict, g_ptr_array_index (m->stack, i), g_ptr_array_index (m->stack, i + 1));
  g_ptr_array_set_size (m->stack, start);
  return push (m, dict);
}

static gboolean
op_setitem (Machine *m)
{
  FoveaPickleValue *value = pop (m);
  FoveaPickleValue *key = value != NULL ? pop (m) : NULL;
  FoveaPickleValue *dict = key != NULL ? top (m) : NULL;
  if (dict == NULL)
    return FALSE;
  if (dict->kind != FOVEA_PICKLE_DICT)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "sets an item of %s",
                 fovea_pickle_kind_describe (dict->kind));
  dict_set (dict, key, value);
  return TRUE;
}

static gboolean
op_setitems (Machine *m)
{
  guint start;
  if (!pop_mark (m, &start))
    return FALSE;
  FoveaPickleValue *dict = below_mark (m, start, FOVEA_PICKLE_DICT);
  if (dict == NULL)
    return FALSE;
  if ((m->stack->len - start) % 2 != 0)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "an odd number of keys and values");
  for (guint i = start; i < m->stack->len; i += 2)
    dict_set (dict, g_ptr_array_index (m->stack, i), g_ptr_array_index (m->stack, i + 1));
  g_ptr_array_set_size (m->stack, start);
  return TRUE;
}

static gboolean
op_append (Machine *m)
{
  FoveaPickleValue *value = pop (m);
  FoveaPickleValue *list = value != NULL ? top (m) : NULL;
  if (list == NULL)
    return FALSE;
  if (list->kind != FOVEA_PICKLE_LIST)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "appends to %s",
                 fovea_pickle_kind_describe (list->kind));
  g_ptr_array_add (list->items, value);
  return TRUE;
}

static gboolean
op_appends (Machine *m)
{
  guint start;
  if (!pop_mark (m, &start))
    return FALSE;
  FoveaPickleValue *list = below_mark (m, start, FOVEA_PICKLE_LIST);
  if (list == NULL)
    return FALSE;
  for (guint i = start; i < m->stack->len; i++)
    g_ptr_array_add (list->items, g_ptr_array_index (m->stack, i));
  g_ptr_array_set_size (m->stack, start);
  return TRUE;
}

static gboolean
op_put (Machine *m, guint64 index)
{
  FoveaPickleValue *value = top (m);
  if (value == NULL)
    return FALSE;
  gpointer key = GSIZE_TO_POINTER ((gsize) index);
  if (g_hash_table_size (m->memo) >= MAX_MEMO && !g_hash_table_contains (m->memo, key))
    return fail (m, FOVEA_PICKLE_ERROR_LIMIT, "more than %u memo entries", MAX_MEMO);
  g_hash_table_insert (m->memo, key, value);
  return TRUE;
}

static gboolean
op_get (Machine *m, int index_bytes)
{
  guint64 index;
  if (!read_le (m, index_bytes, &index))
    return FALSE;
  FoveaPickleValue *value = g_hash_table_lookup (m->memo, GSIZE_TO_POINTER ((gsize) index));
  if (value == NULL)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "memo entry %" G_GUINT64_FORMAT
                 " was never stored", index);
  return push (m, value);
}

static gboolean
op_mark (Machine *m)
{
  if (m->marks->len >= MAX_MARKS)
    return fail (m, FOVEA_PICKLE_ERROR_LIMIT, "more than %u open MARKs", MAX_MARKS);
  guint length = m->stack->len;
  g_array_append_val (m->marks, length);
  return TRUE;
}

static gboolean
op_pop (Machine *m)
{
  /* As CPython: a value above the innermost MARK, else that MARK. */
  if (m->stack->len > fence (m))
    return pop (m) != NULL;
  guint start;
  return pop_mark (m, &start);
}

static gboolean
op_pop_mark (Machine *m)
{
  guint start;
  if (!pop_mark (m, &start))
    return FALSE;
  g_ptr_array_set_size (m->stack, start);
  return TRUE;
}

static gboolean
op_dup (Machine *m)
{
  FoveaPickleValue *value = top (m);
  return value != NULL && push (m, value);
}

static gboolean
op_proto (Machine *m)
{
  guint64 version;
  if (!read_le (m, 1, &version))
    return FALSE;
  if (version > 5)
    return fail (m, FOVEA_PICKLE_ERROR_MALFORMED, "unknown protocol %d", (int) version);
  return TRUE;
}

static gboolean
op_frame (Machine *m)
{
  /* Protocol 4 frames only group opcodes for buffered reading. */
  guint64 length;
  return read_le (m, 8, &length) && need (m, length);
}

/* One opcode at m->pos; *stop is set by STOP. */
static gboolean
step (Machine *m, gboolean *stop)
{
  guint64 index;
  m->op_pos = m->pos;
  m->op = m->data[m->pos++];
  switch (m->op)
    {
    case 0x80: return op_proto (m);
    case 0x95: return op_frame (m);
    case '.':
      {
        FoveaPickleValue *root = pop (m);
        m->pickle->root = root;
        *stop = root != NULL;
        return root != NULL;
      }
    case '(': return op_mark (m);
    case '0': return op_pop (m);
    case '1': return op_pop_mark (m);
    case '2': return op_dup (m);
    case 'N': return push (m, new_value (m, FOVEA_PICKLE_NONE));
    case 0x88:
    case 0x89:
      {
        FoveaPickleValue *v = new_value (m, FOVEA_PICKLE_BOOL);
        if (v != NULL)
          v->integer = m->op == 0x88;
        return push (m, v);
      }
    case 'K': return op_int (m, 1, FALSE);
    case 'M': return op_int (m, 2, FALSE);
    case 'J': return op_int (m, 4, TRUE);
    case 0x8a: return op_long (m, 1);
    case 0x8b: return op_long (m, 4);
    case 'G': return op_float (m);
    case 0x8c: return op_string (m, 1, FOVEA_PICKLE_STRING);
    case 'X': return op_string (m, 4, FOVEA_PICKLE_STRING);
    case 0x8d: return op_string (m, 8, FOVEA_PICKLE_STRING);
    case 'C': return op_string (m, 1, FOVEA_PICKLE_BYTES);
    case 'B': return op_string (m, 4, FOVEA_PICKLE_BYTES);
    case 0x8e: return op_string (m, 8, FOVEA_PICKLE_BYTES);
    case ')': return push (m, new_value (m, FOVEA_PICKLE_TUPLE));
    case ']': return push (m, new_value (m, FOVEA_PICKLE_LIST));
    case '}': return push (m, new_value (m, FOVEA_PICKLE_DICT));
    case 0x85: return op_tuple_n (m, 1);
    case 0x86: return op_tuple_n (m, 2);
    case 0x87: return op_tuple_n (m, 3);
    case 't': return op_collect (m, FOVEA_PICKLE_TUPLE);
    case 'l': return op_collect (m, FOVEA_PICKLE_LIST);
    case 'd': return op_collect (m, FOVEA_PICKLE_DICT);
    case 'a': return op_append (m);
    case 'e': return op_appends (m);
    case 's': return op_setitem (m);
    case 'u': return op_setitems (m);
    case 'q': return read_le (m, 1, &index) && op_put (m, index);
    case 'r': return read_le (m, 4, &index) && op_put (m, index);
    case 0x94: return op_put (m, g_hash_table_size (m->memo));
    case 'h': return op_get (m, 1);
    case 'j': return op_get (m, 4);
    case 'c': return op_global (m);
    case 0x93: return op_stack_global (m);
    case 'R':
    case 0x81: return op_call (m);
    case 'b': return op_build (m);
    case 'Q': return op_persid (m);
    default:
      if (opcode_name (m->op) != NULL)
        return fail (m, FOVEA_PICKLE_ERROR_OPCODE, "opcode 0x%02x is not read (Fovea reads "
                     "only the opcodes of a PyTorch state dict)", m->op);
      return fail (m, FOVEA_PICKLE_ERROR_OPCODE, "unknown opcode 0x%02x", m->op);
    }
}

FoveaPickle *
fovea_pickle_load (const guint8            *data,
                   gsize                    length,
                   const char              *file,
                   const char              *member,
                   const FoveaPickleGlobal *allowed,
                   guint                    n_allowed,
                   GError                 **error)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  FoveaPickle *pickle = g_new0 (FoveaPickle, 1);
  pickle->values = g_ptr_array_new_with_free_func (value_free);
  Machine m = {
    .data = data, .length = length, .file = file, .member = member,
    .allowed = allowed, .n_allowed = n_allowed, .pickle = pickle,
    .stack = g_ptr_array_new (), .marks = g_array_new (FALSE, FALSE, sizeof (guint)),
    .memo = g_hash_table_new (NULL, NULL), .error = error,
  };
  gboolean stop = FALSE, ok = TRUE;
  while (ok && !stop && m.pos < m.length)
    ok = step (&m, &stop);
  if (ok && !stop)
    {
      g_set_error (error, FOVEA_PICKLE_ERROR, FOVEA_PICKLE_ERROR_MALFORMED,
                   "%s: %s ends at byte %" G_GSIZE_FORMAT " without STOP (truncated?)",
                   file, member, length);
      ok = FALSE;
    }
  g_ptr_array_unref (m.stack);
  g_array_unref (m.marks);
  g_hash_table_unref (m.memo);
  if (!ok)
    {
      fovea_pickle_free (pickle);
      return NULL;
    }
  return pickle;
}

void
fovea_pickle_free (FoveaPickle *pickle)
{
  if (pickle == NULL)
    return;
  g_ptr_array_unref (pickle->values);
  g_free (pickle);
}

const FoveaPickleValue *
fovea_pickle_get_root (const FoveaPickle *pickle)
{
  return pickle->root;
}
