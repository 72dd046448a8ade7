/* fovea-visible-text.h: text from data (file names, patient IDs, CSV
 * fields) made safe to show: a control or bidirectional-override character
 * (fovea-hidden-char.h) is shown as its code, "<U+202E>", so nothing is
 * hidden and nothing displays reversed. Reports and the window show text
 * through here. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FOVEA_VISIBLE_TEXT_ESCAPE_ALL,
  FOVEA_VISIBLE_TEXT_KEEP_NEWLINES,  /* for text that is laid out in lines */
} FoveaVisibleTextFlags;

/* A copy of text (NULL is ""), with hidden characters escaped and invalid
 * UTF-8 replaced by U+FFFD. */
char *fovea_visible_text (const char *text, FoveaVisibleTextFlags flags);

G_END_DECLS
