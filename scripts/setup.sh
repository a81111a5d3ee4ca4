#!/usr/bin/env bash
# Set up everything scenic-ops needs on a Debian/Ubuntu machine, idempotently.
#   scripts/setup.sh run    - for `make run` (then demo data)
#   scripts/setup.sh test   - for `make test` (test tools, browser; no demo data)
# Reuses MariaDB and Redis when they already answer on 127.0.0.1; otherwise installs
# them from Debian packages and starts them without systemd.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-run}"
export SCENIC_SITE="${SCENIC_SITE:-default}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

say() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# --- 1. System packages ------------------------------------------------------------
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
mariadb_up() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot --connect-timeout=2 ping >/dev/null 2>&1 || mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wanted=(gettext build-essential pkg-config tzdata ca-certificates)
# TrueType fonts embedded in the PDF tickets (Chinese; Latin letters and digits).
wanted+=(fonts-droid-fallback fonts-dejavu-core)
command -v mariadb >/dev/null 2>&1 || wanted+=(mariadb-client)
command -v redis-cli >/dev/null 2>&1 || wanted+=(redis-tools)
mariadb_up 2>/dev/null || wanted+=(mariadb-server)
redis_up 2>/dev/null || wanted+=(redis-server)
command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || wanted+=(python3-venv python3-dev)
if [ "$MODE" = "test" ]; then wanted+=(chromium fonts-noto-cjk libzbar0 wrk poppler-utils); fi
missing=()
for p in "${wanted[@]}"; do have_pkg "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. MariaDB ------------------------------------------------------------------
if ! mariadb_up; then
  say "starting MariaDB"
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    $SUDO mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do mariadb_up && break; sleep 0.5; done
  mariadb_up || die "MariaDB did not start (see /var/log/mysql or run /usr/sbin/mariadbd --user=mysql by hand)"
fi
dbroot() {
  if mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1; then mariadb -uroot "$@";
  elif mariadb --protocol=tcp -h127.0.0.1 -uroot -e 'SELECT 1' >/dev/null 2>&1; then mariadb --protocol=tcp -h127.0.0.1 -uroot "$@";
  else $SUDO mariadb "$@"; fi
}
if [ "$(dbroot -N -e "SELECT CONVERT_TZ('2026-01-01','UTC','Asia/Shanghai') IS NULL")" = "1" ]; then
  say "loading MariaDB time-zone tables"
  mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null | dbroot mysql
fi

# --- 3. Redis --------------------------------------------------------------------
if ! redis_up; then
  say "starting Redis"
  mkdir -p var/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$PWD/var/redis" --appendonly yes \
    --logfile "$PWD/var/redis/redis.log"
  for _ in $(seq 1 40); do redis_up && break; sleep 0.25; done
  redis_up || die "Redis did not start (see var/redis/redis.log)"
fi

# --- 4. Python virtual environment --------------------------------------------------
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python 3.11 or newer is needed ($PY is $("$PY" -V 2>&1))"
[ -x .venv/bin/python ] || { say "creating .venv"; "$PY" -m venv .venv; }
req="requirements/base.txt"; [ "$MODE" = "test" ] && req="requirements/dev.txt"
stamp=".venv/.installed-$(basename "$req")"
sum="$(cat requirements/*.txt | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  say "installing Python packages ($req)"
  .venv/bin/pip install -q --disable-pip-version-check -r "$req" 2>&1 | grep -v "is ignored: it is neither" || true
  .venv/bin/pip check >/dev/null || die "installed Python packages conflict (pip check)"
  echo "$sum" > "$stamp"
fi

# --- 5. Front-end packages (served as static files; no CDN) --------------------------
nsum="$(sha256sum package-lock.json | cut -c1-16)"
if [ "$(cat node_modules/.scenic-stamp 2>/dev/null)" != "$nsum" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$nsum" > node_modules/.scenic-stamp
fi

# --- 6. Site secrets and database -------------------------------------------------
.venv/bin/python scripts/siteinfo.py secrets
read -r DB_NAME DB_USER DB_HOST DB_PORT DB_PASS < <(.venv/bin/python scripts/siteinfo.py db)
DB_PASS="$(eval echo "$DB_PASS")"
if [ "$DB_HOST" = "127.0.0.1" ] || [ "$DB_HOST" = "localhost" ]; then
  say "database ${DB_NAME} (utf8mb4) and user ${DB_USER}"
  dbroot <<SQL
CREATE DATABASE IF NOT EXISTS \`${DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASS}';
CREATE USER IF NOT EXISTS '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${DB_PASS}';
ALTER USER '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASS}';
ALTER USER '${DB_USER}'@'127.0.0.1' IDENTIFIED BY '${DB_PASS}';
GRANT ALL PRIVILEGES ON \`${DB_NAME}\`.* TO '${DB_USER}'@'localhost', '${DB_USER}'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`${DB_NAME//_/\\_}\\_test%\`.* TO '${DB_USER}'@'localhost', '${DB_USER}'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`${DB_NAME//_/\\_}\\_bench%\`.* TO '${DB_USER}'@'localhost', '${DB_USER}'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
else
  say "database host ${DB_HOST} is remote: create ${DB_NAME} (utf8mb4) and user ${DB_USER} there yourself"
fi

# --- 7. Translations, schema, data patches, fixtures, static files -------------------------
M=".venv/bin/python manage.py"
$M compilemessages -v 0 --ignore=.venv --ignore=node_modules
$M migrate --noinput -v 0
$M setup_site
$M collectstatic --noinput -v 0
if [ "$MODE" = "run" ]; then
  $M demo_site
fi
say "site '${SCENIC_SITE}' is set up"
