/* fovea-eye.c: the eye's name. */
#define G_LOG_DOMAIN "fovea-eye"

#include "fovea-eye.h"

const char *
fovea_eye_to_string (FoveaEye eye)
{
  switch (eye)
    {
    case FOVEA_EYE_OD:
      return "OD";
    case FOVEA_EYE_OS:
      return "OS";
    case FOVEA_EYE_UNKNOWN:
    default:
      return "";
    }
}
