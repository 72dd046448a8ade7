/* fovea-name-guess.h: patient pseudonym and eye guessed from an image's
 * file name, shared by batch grading and the review window.
 *
 * The file name's stem (without its extension) is split into tokens at
 * anything that is not a letter or digit. A token "OD", "right" or "R"
 * (any case) names the right eye, "OS", "left" or "L" the left eye. When
 * tokens disagree ("left_OD") the eye is unknown: a wrong eye is worse than
 * none. The patient ID is the stem less a trailing eye token and the
 * separators before it: "P017_OD.jpg" → "P017", OD. */
#pragma once

#include <glib.h>

#include "fovea-eye.h"

G_BEGIN_DECLS

/* name: a file name or path (only its last component is read).
 * *out_patient_id (may be NULL) receives a newly allocated string. */
FoveaEye fovea_name_guess (const char  *name,
                           char       **out_patient_id);

G_END_DECLS
