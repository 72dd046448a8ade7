/* fovea-hidden-char.h: the characters that hide or reorder what a reader
 * sees. Task cards refuse them, output names replace them and reports and
 * the window show them escaped: one rule for all three. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE for control characters (C0, DEL, C1) and the bidirectional
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which
 * can display a patient ID reversed. */
gboolean fovea_unichar_is_hidden (gunichar c);

G_END_DECLS
