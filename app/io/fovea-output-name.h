/* fovea-output-name.h: turning text that comes from data (a file stem, a
 * task card's name, a patient ID) into one component of an output file
 * name. Every generated output name is built from parts that went
 * through here, so no input can add a folder, climb out of the output
 * folder, hide behind a control character or be empty. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A copy of text safe as (part of) one file name: "/", "\", control
 * characters and invalid UTF-8 become "_", a leading "." becomes "_"
 * (no hidden files, no "." or ".."), an empty text is "_", and the result
 * is cut at a character boundary to at most 120 bytes. */
char *fovea_output_name_part (const char *text);

G_END_DECLS
