/* fovea-preferences-window.h: the Preferences window: style, models
 * folder, referral threshold and default heat-map opacity, each bound to
 * its GSettings key. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FOVEA_TYPE_PREFERENCES_WINDOW (fovea_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (FoveaPreferencesWindow, fovea_preferences_window,
                      FOVEA, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* settings: the org.fovea.Fovea settings that the rows read and write. */
GtkWidget *fovea_preferences_window_new (GSettings *settings);

G_END_DECLS
