#!/bin/sh
# check-potfiles.sh [SRCDIR]: fails, naming them, when a file with
# translatable strings is missing from po/POTFILES.in, or when POTFILES.in
# names a file that does not exist (xgettext would then fail).
set -eu

cd "${1:-.}"
potfiles=po/POTFILES.in
if [ ! -r "$potfiles" ]; then
  echo "check-potfiles: $potfiles not found in $(pwd)" >&2
  exit 2
fi

# C files where xgettext itself finds a gettext macro (grep only picks the
# candidates: a regex such as "_lora_([0-9]+)" inside a string literal
# looks like a call to _()), templates with translatable properties, and
# the desktop, AppStream and GSettings files, which are translatable by
# nature.
has_c_messages() {
  xgettext --language=C --from-code=UTF-8 --omit-header --keyword=_ --keyword=N_ \
    --keyword=C_:1c,2 --keyword=NC_:1c,2 --output=- "$1" 2>/dev/null | grep -q '^msgid'
}
translatable=$(
  {
    for file in $(grep -rlE --include='*.c' --include='*.h' \
                    '(^|[^A-Za-z0-9_])(_|N_|C_|NC_)\(' app inference ui 2>/dev/null); do
      if has_c_messages "$file"; then echo "$file"; fi
    done
    grep -rl --include='*.ui' 'translatable="yes"' ui resources 2>/dev/null || true
    find resources -name '*.desktop.in' -o -name '*.metainfo.xml.in' \
      -o -name '*.gschema.xml'
  } | sort -u
)

listed=$(grep -v -e '^#' -e '^[[:space:]]*$' "$potfiles" | sort -u)

status=0
for file in $translatable; do
  if ! printf '%s\n' "$listed" | grep -qxF "$file"; then
    echo "missing from $potfiles: $file"
    status=1
  fi
done
for file in $listed; do
  if [ ! -f "$file" ]; then
    echo "listed in $potfiles but absent: $file"
    status=1
  fi
done
exit $status
