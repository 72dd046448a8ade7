#!/bin/sh
# check-translations.sh [SRCDIR]: fails unless every language in
# po/LINGUAS translates every message of a template freshly extracted from
# po/POTFILES.in, with no fuzzy entry, and compiles with --check; it names
# the messages that are missing.
#
# The template is extracted into a temporary folder with the arguments of
# meson's i18n 'glib' preset, so the source tree is never written.
set -eu

cd "${1:-.}"
for file in po/LINGUAS po/POTFILES.in; do
  if [ ! -r "$file" ]; then
    echo "check-translations: $file not found in $(pwd)" >&2
    exit 2
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -v -e '^#' -e '^[[:space:]]*$' po/POTFILES.in > "$tmp/files"
xgettext --package-name=fovea --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_strdup_printf:1:c-format --flag=g_string_printf:2:c-format \
  --flag=g_string_append_printf:2:c-format --flag=g_set_error:4:c-format \
  --flag=g_error_new:3:c-format --flag=g_markup_printf_escaped:1:c-format \
  --files-from="$tmp/files" --output="$tmp/fovea.pot"
total=$(msgattrib --no-obsolete "$tmp/fovea.pot" | grep -c '^msgid ' || true)
# Less the header.
total=$((total - 1))

# Prints "  LABEL: MSGID" for each entry of a .po file on stdin but the
# header, joining the continuation lines of messages with newlines.
list_msgids() {
  awk -v label="$1" '
    function flush() { if (id != "") printf "  %s: %s\n", label, id; id = ""; in_id = 0 }
    /^msgid "/ { flush(); id = substr($0, 8, length($0) - 8); in_id = 1; next }
    /^"/ && in_id { id = id substr($0, 2, length($0) - 2); next }
    { in_id = 0 }
    END { flush() }'
}

status=0
for lang in $(grep -v '^#' po/LINGUAS); do
  po="po/$lang.po"
  merged="$tmp/$lang.po"
  if [ ! -r "$po" ]; then
    echo "$lang: $po is missing"
    status=1
    continue
  fi
  # Without fuzzy matching a new message shows as untranslated rather than
  # as a guess from a similar one.
  msgmerge --quiet --no-fuzzy-matching --output-file="$merged" "$po" "$tmp/fovea.pot"
  if ! stats=$(msgfmt --check --statistics --output-file=/dev/null "$merged" 2>&1); then
    echo "$lang: msgfmt --check failed:"
    echo "$stats"
    status=1
    continue
  fi
  missing=$(msgattrib --untranslated --no-obsolete "$merged" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$merged" | grep -c '^msgid ' || true)
  # The header counts as an untranslated msgid "" entry when present.
  missing=$(( missing > 0 ? missing - 1 : 0 ))
  fuzzy=$(( fuzzy > 0 ? fuzzy - 1 : 0 ))
  echo "$lang: $stats ($total messages in the sources)"
  if [ "$missing" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
    echo "$lang: $missing untranslated, $fuzzy fuzzy:"
    msgattrib --untranslated --no-obsolete --no-wrap "$merged" | list_msgids untranslated
    msgattrib --only-fuzzy --no-obsolete --no-wrap "$merged" | list_msgids fuzzy
    status=1
  fi
done
exit $status
