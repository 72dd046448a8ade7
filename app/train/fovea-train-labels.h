/* fovea-train-labels.h: a folder's labels.csv, read and checked. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads csv_path ("file,label" header; RFC 4180 quoting; empty lines only
 * at the end) whose files are relative to root. On success *out_files
 * holds each row's file, normalised ("a/./b.png" is "a/b.png"), and
 * *out_labels its label (GArray of int). Fails, naming csv_path and the
 * line, on a wrong field count, a label that is not an integer in 0 …
 * FOVEA_TRAIN_DATA_MAX_CLASSES - 1, an absolute path or one with "..", a
 * file listed twice, a file that does not exist, or no rows at all. */
gboolean fovea_train_labels_read (const char *csv_path,
                                  const char *root,
                                  GStrv      *out_files,
                                  GArray    **out_labels,
                                  GError    **error);

G_END_DECLS
