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

G_END_DECLS
