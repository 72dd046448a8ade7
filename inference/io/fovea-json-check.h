/* fovea-json-check.h: a strict lexical pass over JSON text before it is
 * handed to json-glib.
 *
 * json-glib 1.6 parses recursively (deeply nested arrays overflow the
 * stack), wraps integers beyond 64 bits silently, and accepts comments,
 * hexadecimal numbers, leading zeros and trailing text after the value.
 * This pass refuses all of those without recursion, so a file from
 * anywhere can be parsed safely and means what a strict JSON reader
 * (Python's, serde's) would read. Grammar errors are left to json-glib. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Integer literals with more digits than this are refused (no size, count
 * or dimension Fovea reads comes near 10^18). */
#define FOVEA_JSON_MAX_INT_DIGITS 18

/* Checks text (length bytes, need not be NUL-terminated). On failure sets
 * error in the given domain and code, with a message starting with what. */
gboolean fovea_json_check_text (const char *text,
                                gsize       length,
                                guint       max_depth,
                                const char *what,
                                GQuark      domain,
                                int         code,
                                GError    **error);

G_END_DECLS
