/* fovea-hidden-char.c: control and bidirectional-override characters. */
#define G_LOG_DOMAIN "fovea-hidden-char"

#include "fovea-hidden-char.h"

gboolean
fovea_unichar_is_hidden (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}
