/* fovea-test-common.h: helpers shared by the test suites. */
#pragma once

#include <glib.h>

#include "fovea-image.h"

G_BEGIN_DECLS

/* ../shared/data (or $FOVEA_DATA_DIR) joined with the given relative path.
 * If it does not exist the calling test is skipped with a message saying
 * why, and NULL is returned: the caller must then return at once. */
char       *fovea_test_data_path     (const char *relative);
/* tests/fixtures/<relative>; asserts that it exists. */
char       *fovea_test_fixture_path  (const char *relative);
/* The build's generated sample images; asserts that it exists. */
char       *fovea_test_sample_path   (const char *name);
/* A fresh temporary directory, removed with its contents by the caller
 * through fovea_test_rmdir(). */
char       *fovea_test_mkdtemp       (void);
void        fovea_test_rmdir         (const char *path);
/* A synthetic fundus-like image: a bright orange disc of radius r centred
 * at (cx, cy) on black, with some texture so it is not flat. */
FoveaImage *fovea_test_synthetic_fundus (int width, int height,
                                         double cx, double cy, double r);

/* PDF checks through poppler-utils. fovea_test_have_poppler() skips the
 * calling test, saying why, when a tool is missing; the caller returns. */
gboolean    fovea_test_have_poppler   (void);
/* Runs argv (searched in PATH) and returns its stdout; fails the test if
 * it cannot run or exits non-zero. */
char       *fovea_test_run_program    (const char *const *argv);
/* pdftotext of the file, with every run of white space made one space. */
char       *fovea_test_pdf_text       (const char *path);
/* Fails the test, showing text, unless needle is in it. */
void        fovea_test_assert_contains (const char *text,
                                        const char *needle);
/* Copies a file's bytes; fails the test on error. */
void        fovea_test_copy_file      (const char *from,
                                       const char *to);
/* Copies fixtures into dest: pairs[i][0] is a path under tests/fixtures,
 * pairs[i][1] where it goes under dest; parent folders are made. */
void        fovea_test_copy_fixtures  (const char        *dest,
                                       const char *const (*pairs)[2],
                                       guint              n_pairs);
/* A temporary copy of a fixture model folder (vit/models/MODEL) with the
 * fixture card cards/CARD as its task_card.json; remove with
 * fovea_test_rmdir(). */
char       *fovea_test_make_model_with_card (const char *model,
                                             const char *card);

/* Installs in the models folder dir the tiny fixture ViT as tiny-token,
 * with the fundus card tiny-five-class.json for its head and a MeLo
 * adapter carded as skin-lesion (its input made the ViT's 32 × 32): two
 * carded tasks of two modalities, as `grade --task auto` finds them.
 * Returns the model's folder. */
char       *fovea_test_install_fundus_skin_model (const char *dir);

/* fovea-cli run as a separate process ($FOVEA_CLI), as a user runs it. */
typedef struct {
  char *out;     /* stdout */
  char *err;     /* stderr */
  int   status;  /* exit status */
} FoveaCliResult;

/* Arguments after the program name, NULL-terminated. */
FoveaCliResult fovea_test_run_cli_argv (const char *const *args);
FoveaCliResult fovea_test_run_cli      (const char *first, ...) G_GNUC_NULL_TERMINATED;
void           fovea_test_cli_result_clear (FoveaCliResult *result);

G_END_DECLS
