/* fovea-pickle.h: a restricted reader of Python pickles, for PyTorch
 * checkpoints.
 *
 * A pickle is a program for a stack machine; Python's unpickler calls any
 * function the program names. This reader interprets only the opcodes a
 * torch.save state dict uses (protocol 2, as torch writes it, and the few
 * protocol 3/4 opcodes a pickle_protocol=4 save adds) and builds a tree of
 * values from them. It never calls anything:
 *
 * - GLOBAL and STACK_GLOBAL must name an entry of the caller's whitelist,
 *   else loading stops with an error naming the global ("this checkpoint
 *   contains code: GLOBAL os system");
 * - REDUCE and NEWOBJ on a whitelisted global give a CALL value holding
 *   the callable and its argument tuple, for the caller to interpret;
 *   the one exception is a global marked makes_dict (collections.
 *   OrderedDict) called with no arguments, which gives an empty DICT;
 * - BUILD attaches its state to a CALL, and is ignored on a DICT (a state
 *   dict's OrderedDict carries its _metadata attribute that way);
 * - BINPERSID gives a PERSID value holding the persistent id (torch's
 *   storage references), for the caller to resolve.
 *
 * Every other opcode (INST, OBJ, EXT*, the text opcodes of protocol 0 ...)
 * is refused with an error naming it. The tree may share nodes (the memo)
 * and even hold cycles (a list appended to itself): callers walk only the
 * shapes they expect. All values live as long as the FoveaPickle. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_PICKLE_ERROR (fovea_pickle_error_quark ())

typedef enum {
  FOVEA_PICKLE_ERROR_MALFORMED,  /* truncated, stack underflow, a value of the wrong kind */
  FOVEA_PICKLE_ERROR_OPCODE,     /* an opcode this reader does not interpret */
  FOVEA_PICKLE_ERROR_CODE,       /* a global outside the whitelist */
  FOVEA_PICKLE_ERROR_LIMIT,      /* more values or memo entries than any checkpoint needs */
} FoveaPickleError;

typedef enum {
  FOVEA_PICKLE_NONE,
  FOVEA_PICKLE_BOOL,     /* integer: 0 or 1 */
  FOVEA_PICKLE_INT,      /* integer */
  FOVEA_PICKLE_BIGINT,   /* an integer beyond 64 bits: its value is not kept */
  FOVEA_PICKLE_FLOAT,    /* number */
  FOVEA_PICKLE_STRING,   /* string, length: valid UTF-8 (NULs allowed), NUL-terminated */
  FOVEA_PICKLE_BYTES,    /* string, length: any bytes, NUL-terminated */
  FOVEA_PICKLE_TUPLE,    /* items */
  FOVEA_PICKLE_LIST,     /* items */
  FOVEA_PICKLE_DICT,     /* items: key, value, key, value ... in insertion order */
  FOVEA_PICKLE_GLOBAL,   /* integer: its index in the whitelist */
  FOVEA_PICKLE_CALL,     /* callable (a GLOBAL), args (a TUPLE), state (BUILD's, or NULL) */
  FOVEA_PICKLE_PERSID,   /* args: the persistent id */
} FoveaPickleKind;

typedef struct _FoveaPickleValue FoveaPickleValue;
struct _FoveaPickleValue {
  FoveaPickleKind   kind;
  gint64            integer;
  double            number;
  char             *string;
  gsize             length;
  GPtrArray        *items;
  GHashTable       *index;     /* DICT: string key → position of its pair + 1 */
  FoveaPickleValue *callable;
  FoveaPickleValue *args;
  FoveaPickleValue *state;
};

/* One allowed global, as GLOBAL names it: module and name. */
typedef struct {
  const char *module;
  const char *name;
  gboolean    makes_dict;
} FoveaPickleGlobal;

typedef struct _FoveaPickle FoveaPickle;

GQuark                  fovea_pickle_error_quark (void);

/* Interprets data up to its STOP. file names the checkpoint and member the
 * pickle inside it, for errors: "file: member, byte N: problem"; a refused
 * global reads "file: this checkpoint contains code: GLOBAL os system;
 * Fovea loads tensors only". */
FoveaPickle            *fovea_pickle_load        (const guint8            *data,
                                                  gsize                    length,
                                                  const char              *file,
                                                  const char              *member,
                                                  const FoveaPickleGlobal *allowed,
                                                  guint                    n_allowed,
                                                  GError                 **error);
void                    fovea_pickle_free        (FoveaPickle *pickle);
/* The value STOP returned. */
const FoveaPickleValue *fovea_pickle_get_root    (const FoveaPickle *pickle);

/* A DICT's value for a string key, or NULL (also when dict is no DICT). */
const FoveaPickleValue *fovea_pickle_dict_lookup (const FoveaPickleValue *dict,
                                                  const char             *key);
/* "a dict", "an int" ... for messages. */
const char             *fovea_pickle_kind_describe (FoveaPickleKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaPickle, fovea_pickle_free)

G_END_DECLS
