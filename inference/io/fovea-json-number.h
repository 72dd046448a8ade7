/* fovea-json-number.h: numbers into JSON, which has no NaN or infinity:
 * every writer of Fovea's JSON (result cards, bank cards, the command
 * line's output) writes them this one way. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Adds value, or null when it is not finite: as the member member of the
 * object being built, or, with member NULL, as the next element of the
 * array being built. */
void fovea_json_add_number (JsonBuilder *builder,
                            const char  *member,
                            double       value);

G_END_DECLS
