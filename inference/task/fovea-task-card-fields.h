/* fovea-task-card-fields.h: typed, strict reading of JSON members for the
 * task card parser. Every error names the card and the field's full path
 * (e.g. "preprocessing.mean[2]"), so a person can fix the file from the
 * message alone. Private to the task card code. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *source;  /* the card's file name, or "task card" */
  const char *prefix;  /* "" at the top level, "referral." inside it... */
} FoveaCardScope;

/* Fails on a member not in known (NULL-terminated). */
gboolean    fovea_card_check_members (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char *const    *known,
                                      GError              **error);

/* Each reader returns FALSE with an error when the member is of the wrong
 * type; when it is absent, required ones fail and optional ones leave
 * *present (if given) FALSE and the output untouched. */
gboolean    fovea_card_get_string    (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      char                **out,
                                      GError              **error);
gboolean    fovea_card_get_bool      (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      gboolean             *present,
                                      gboolean             *out,
                                      GError              **error);
gboolean    fovea_card_get_int       (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      gboolean             *present,
                                      gint64               *out,
                                      GError              **error);
gboolean    fovea_card_get_number    (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      gboolean             *present,
                                      double               *out,
                                      GError              **error);
/* NULL (absent) is returned with no error for an optional member. */
JsonObject *fovea_card_get_object    (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      GError              **error);
JsonArray  *fovea_card_get_array     (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      GError              **error);
/* An array of non-empty, distinct strings. */
gboolean    fovea_card_get_strv      (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      gboolean              required,
                                      GStrv                *out,
                                      GError              **error);
/* An array of exactly n finite numbers (n ≤ 0: any length), into a new
 * GArray of double. */
gboolean    fovea_card_get_numbers   (const FoveaCardScope *scope,
                                      JsonObject           *object,
                                      const char           *member,
                                      int                   n,
                                      GArray              **out,
                                      GError              **error);

/* Sets an INVALID error "SOURCE: field “PREFIXmember” FORMAT…"; member
 * may name an element, "labels[2]". */
void        fovea_card_set_error     (const FoveaCardScope *scope,
                                      const char           *member,
                                      GError              **error,
                                      const char           *format,
                                      ...) G_GNUC_PRINTF (4, 5);

/* A segmentation card's labels (at least one), "colours" (required, one
 * "#rrggbb" per label) and "threshold" (optional: a number for every
 * label or a list of one per label, each 0 < t < 1; default 0.5),
 * "fov_diameter" (optional) and "role" (optional: segmentation, the
 * default, or anomaly), into card (fovea-task-card-seg.c). "thresholds",
 * grading's, is refused. */
struct _FoveaTaskCard;
gboolean    fovea_card_parse_segmentation (const FoveaCardScope  *scope,
                                           JsonObject            *root,
                                           struct _FoveaTaskCard *card,
                                           GError               **error);

G_END_DECLS
