/* fovea-run-identity.h: what makes a batch run's results what they are
 * (folders, tasks and the hashes of their weights, options that change
 * results), recorded next to its CSV so that --resume can refuse to mix
 * the rows of two different runs.
 *
 * The record is OUT.run.json beside OUT: a JSON object of string values,
 * written atomically before the CSV's first row. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_RUN_IDENTITY_ERROR (fovea_run_identity_error_quark ())

typedef enum {
  FOVEA_RUN_IDENTITY_ERROR_MISSING,   /* the CSV has rows but no record beside it */
  FOVEA_RUN_IDENTITY_ERROR_DIFFERENT, /* recorded by a run with other settings */
  FOVEA_RUN_IDENTITY_ERROR_IO,
} FoveaRunIdentityError;

typedef struct _FoveaRunIdentity FoveaRunIdentity;

GQuark            fovea_run_identity_error_quark (void);
FoveaRunIdentity *fovea_run_identity_new   (void);
void              fovea_run_identity_free  (FoveaRunIdentity *identity);
/* Adds one setting (key once; value as it should be shown). */
void              fovea_run_identity_add   (FoveaRunIdentity *identity,
                                            const char       *key,
                                            const char       *value);
/* OUT.run.json for the CSV at csv_path. */
char             *fovea_run_identity_path  (const char       *csv_path);
/* Writes the record for csv_path (atomically, replacing an old one). */
gboolean          fovea_run_identity_write (const FoveaRunIdentity *identity,
                                            const char             *csv_path,
                                            GError                **error);
/* TRUE when the record beside csv_path holds the same settings; else an
 * error naming the first setting that differs, with both values. */
gboolean          fovea_run_identity_check (const FoveaRunIdentity *identity,
                                            const char             *csv_path,
                                            GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaRunIdentity, fovea_run_identity_free)

G_END_DECLS
