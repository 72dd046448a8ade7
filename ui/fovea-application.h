/* fovea-application.h: the application object: actions, accelerators,
 * settings, and opening files given on the command line. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FOVEA_TYPE_APPLICATION (fovea_application_get_type ())

G_DECLARE_FINAL_TYPE (FoveaApplication, fovea_application, FOVEA, APPLICATION, AdwApplication)

/* The application always handles opening files; extra_flags adds to that
 * (the tests pass G_APPLICATION_NON_UNIQUE). */
FoveaApplication *fovea_application_new          (GApplicationFlags extra_flags);
/* The org.fovea.Fovea settings, or NULL when the schema is not installed
 * (running uncompiled from a source tree): callers then use defaults. */
GSettings        *fovea_application_get_settings (FoveaApplication *self);

G_END_DECLS
