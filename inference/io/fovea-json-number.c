/* fovea-json-number.c: see fovea-json-number.h. */
#define G_LOG_DOMAIN "fovea-json-number"

#include "fovea-json-number.h"

#include <math.h>

void
fovea_json_add_number (JsonBuilder *builder, const char *member, double value)
{
  if (member != NULL)
    json_builder_set_member_name (builder, member);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}
