#!/usr/bin/env bash
# Start web + RQ worker + RQ cron scheduler (Procfile) in the foreground. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export SCENIC_SITE="${SCENIC_SITE:-default}"
bind="${WEB_BIND:-127.0.0.1:8000}"
if (exec 3<>"/dev/tcp/${bind%:*}/${bind##*:}") 2>/dev/null; then
  echo "error: ${bind} is already in use; stop the other server or set WEB_BIND=127.0.0.1:8001" >&2
  exit 1
fi
mkdir -p var
.venv/bin/python manage.py shell -c "from scenic_ops.core import demo; demo.print_logins('http://${bind}')"
exec .venv/bin/honcho start -f Procfile
