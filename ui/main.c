/* main.c: the entry point of the `fovea` GUI. */
#define G_LOG_DOMAIN "fovea-main"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "fovea-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(FoveaApplication) application = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, FOVEA_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = fovea_application_new (G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run (G_APPLICATION (application), argc, argv);
}
