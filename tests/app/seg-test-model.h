/* seg-test-model.h: a segmentation model folder for tests: seeded random
 * weights (tools/fovea-random-seg.h, a narrow decoder) and the fixture
 * card tests/fixtures/seg/model/task_card.json. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new temporary folder (remove with fovea_test_rmdir) holding
 * config.json (input_size tile × tile), model.safetensors and
 * task_card.json with fov_diameter set (0: the image's own size). */
char *seg_test_model_new (int fov_diameter,
                          int tile);

G_END_DECLS
