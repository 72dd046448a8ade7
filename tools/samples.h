/* samples.h: one function per synthetic sample image. Each returns a new
 * opaque ARGB32 Cairo surface drawn from the given seed. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* A right eye's colour fundus photograph, 1600×1200, no disease. */
cairo_surface_t *sample_fundus_healthy (guint32 seed);
/* A left eye, 2000×2000, with diabetic-retinopathy-like lesions. */
cairo_surface_t *sample_fundus_lesions (guint32 seed);
/* `photo`, defocused and underexposed: ungradable. */
cairo_surface_t *sample_fundus_blurred (cairo_surface_t *photo);
/* A dermoscopy picture of a pigmented naevus, 1024×768. */
cairo_surface_t *sample_skin_naevus    (guint32 seed);
/* A 3 mm × 3 mm OCT angiogram of the superficial plexus, 304×304, grey. */
cairo_surface_t *sample_octa           (guint32 seed);

G_END_DECLS
