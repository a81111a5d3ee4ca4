#!/usr/bin/env bash
# Update the zh_Hans message catalogues. With domain names, only those apps' catalogues;
# without, every app plus the project's own (locale/: shared templates, Unfold strings).
#   scripts/messages.sh ticketing access
# Then translate the new msgstr entries (tests/core/test_i18n.py fails on any left empty).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONPATH="$ROOT/apps" DJANGO_SETTINGS_MODULE=scenic_ops.settings
domains=("$@")
if [ "${#domains[@]}" -eq 0 ]; then
  mapfile -t domains < <(cd apps/scenic_ops && for d in */; do [ -f "$d/apps.py" ] && echo "${d%/}"; done)
  all=1
fi
for d in "${domains[@]}"; do
  dir="apps/scenic_ops/$d"
  [ -f "$dir/apps.py" ] || { echo "no such domain: $d" >&2; exit 2; }
  mkdir -p "$dir/locale"
  (cd "$dir" && "$ROOT/.venv/bin/django-admin" makemessages -l zh_Hans --no-obsolete -v 0 --ignore 'tests/*')
done
if [ "${all:-0}" = 1 ]; then
  # Project templates and settings strings go to locale/ (LOCALE_PATHS).
  (cd apps/scenic_ops && "$ROOT/.venv/bin/django-admin" makemessages -l zh_Hans --no-obsolete -v 0 \
     --ignore 'core/*' --ignore 'workflow/*' --ignore 'ticketing/*' --ignore 'access/*' --ignore 'flow/*' \
     --ignore 'operations/*' --ignore 'service/*' --ignore 'shop/*' --ignore 'governance/*' \
     --ignore 'insights/*' --ignore 'portal/*' 2>/dev/null) || true
fi
