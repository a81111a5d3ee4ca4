"""Calibration for the benchmarks (not a test): the machine's speed *now*, on the same database.

The issue's reference figure — a bare Django view doing one conditional UPDATE, default
middleware, gunicorn, MariaDB — reaches about 1,100 requests/s at 64 clients on an idle
machine of this kind. Other work on the machine (test runs, browsers) takes CPU from the
server, the database and the load generator alike; running that same bare view right
before a benchmark phase tells how much of the machine was left, so figures can be judged.

As a WSGI module (`gunicorn calibrate:application`) it serves POST /hit; `measure()` starts
it, drives wrk at 1 and 64 clients, and returns the requests per second.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _configure() -> None:
    import pymysql
    from django.conf import settings

    pymysql.install_as_MySQLdb()
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        SECRET_KEY="calibration-only-" + "x" * 40,
        MIDDLEWARE=[  # Django's default set
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.mysql",
                "NAME": os.environ["CAL_DB"],
                "USER": os.environ["CAL_USER"],
                "PASSWORD": os.environ["CAL_PASSWORD"],
                "HOST": os.environ.get("CAL_HOST", "127.0.0.1"),
                "PORT": int(os.environ.get("CAL_PORT", 3306)),
                "OPTIONS": {"charset": "utf8mb4", "isolation_level": "read committed"},
                "CONN_MAX_AGE": 60,
            }
        },
    )


if os.environ.get("CAL_DB") and __name__ != "__main__":
    _configure()
    import django

    django.setup()
    from django.db import connection
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def hit(request):
        with connection.cursor() as cur:
            cur.execute("UPDATE bench_calibration SET used = used + 1 WHERE id = 1 AND used + 1 <= capacity")
        return HttpResponse("ok")

    urlpatterns = [path("hit", hit)]
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()


def measure(site, database: str, *, port: int, workdir: Path, duration: int = 5) -> dict[int, float]:
    """Requests/s of the bare view at 1 and 64 clients (4 sync workers, as in the reference)."""
    import pymysql

    conn = pymysql.connect(
        host=site.get("database", "host", "127.0.0.1"),
        port=int(site.get("database", "port", 3306)),
        user=site.get("database", "user"),
        password=site.secret("database", "password"),
        database=database,
        autocommit=True,
    )
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_calibration (id INT PRIMARY KEY, used BIGINT, capacity BIGINT)")
        cur.execute("REPLACE INTO bench_calibration VALUES (1, 0, 1000000000000)")
    conn.close()
    env = {
        **os.environ,
        "CAL_DB": database,
        "CAL_USER": site.get("database", "user"),
        "CAL_PASSWORD": site.secret("database", "password"),
        "CAL_HOST": site.get("database", "host", "127.0.0.1"),
        "CAL_PORT": str(site.get("database", "port", 3306)),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "calibrate:application",
            "--pythonpath",
            str(HERE),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--control-socket",
            str(workdir / "calibrate.ctl"),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    lua = workdir / "post.lua"
    lua.write_text('wrk.method = "POST"\n')
    out: dict[int, float] = {}
    try:
        import requests

        for _ in range(100):
            try:
                if requests.post(f"http://127.0.0.1:{port}/hit", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        for clients in (1, 64):
            result = subprocess.run(
                [
                    "wrk",
                    f"-t{1 if clients == 1 else 2}",
                    f"-c{clients}",
                    f"-d{duration}s",
                    "-s",
                    str(lua),
                    f"http://127.0.0.1:{port}/hit",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            found = re.search(r"Requests/sec:\s+([\d.]+)", result)
            out[clients] = float(found.group(1)) if found else 0.0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return out


if __name__ == "__main__":
    sys.exit("run through bench/gates.py")
