/* fovea-train-labels.h: a labels table (CSV) and a split table, read and
 * checked. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which rows and which column make the labels. */
typedef struct {
  const char        *label_column;  /* the column holding labels, e.g. "label", "dr_grade" */
  /* Class names, in output order, for labels written as names ("mel" is
   * class k when label_names[k] is "MEL"; compared without case); NULL:
   * labels must be integers. */
  const char *const *label_names;
  /* From fovea_train_split_read: normalised file → split name. When set,
   * only the rows whose file is in `split` are kept, and every row must
   * be in the split table and every file of the split table in the
   * labels. */
  GHashTable        *split_of;
  const char        *split;
} FoveaTrainLabelsQuery;

/* Reads csv_path (a header naming a "file" column and the query's label
 * column — other columns are ignored; RFC 4180 quoting; empty lines only
 * at the end) whose files are relative to root. query NULL reads the
 * "label" column of every row. On success *out_files holds each kept
 * row's file, normalised ("a/./b.png" is "a/b.png"), and *out_labels its
 * label (GArray of int). Fails, naming csv_path and the line, on a wrong
 * field count, a label that is neither an integer in 0 …
 * FOVEA_TRAIN_DATA_MAX_CLASSES - 1 nor a class name, an absolute path or
 * one with "..", a file listed twice, a kept file that does not exist, a
 * row missing from the split table, or no rows kept at all. */
gboolean    fovea_train_labels_read (const char                  *csv_path,
                                     const char                  *root,
                                     const FoveaTrainLabelsQuery *query,
                                     GStrv                       *out_files,
                                     GArray                     **out_labels,
                                     GError                     **error);

/* Reads a split table: header "file,split", one row per image, e.g.
 * "IDRiD_001.jpg,train". Returns normalised file → split name, or NULL
 * with an error naming the line. */
GHashTable *fovea_train_split_read  (const char *csv_path,
                                     GError    **error);

G_END_DECLS
