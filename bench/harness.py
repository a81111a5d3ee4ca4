"""What the benchmarks share (not a test): a fresh database, a gunicorn server as the Procfile starts it, wrk.

Imported by bench/booking.py, bench/gates.py and bench/shop.py when they run as scripts (`bench/` is then the first
entry of `sys.path`); importing it also puts `apps/` on the path.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "apps"))


class ServerDied(RuntimeError):
    pass


def require_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    print("wrk is not installed: apt-get install wrk (scripts/setup.sh test does it)", file=sys.stderr)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).split("\n")[0].strip()


# --- database -----------------------------------------------------------------------------------------
def recreate_database(site, name: str) -> None:
    import pymysql

    conn = pymysql.connect(
        host=site.get("database", "host", "127.0.0.1"),
        port=int(site.get("database", "port", 3306)),
        user=site.get("database", "user"),
        password=site.secret("database", "password"),
    )
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()


def fresh_site(suffix: str, redis_db: int):
    """Point this process (and the server it starts) at `<site db><suffix>` and Redis database `redis_db`,
    without the test settings; re-create and migrate the database, empty the Redis one.

    Returns the site, the database name and the environment given to the server."""
    from scenic_ops.conf import load_site

    site = load_site()
    bench_db = f"{site.get('database', 'name')}{suffix}"
    host = site.get("redis", "url", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    env = {
        "SCENIC_DATABASE_NAME": bench_db,
        "SCENIC_REDIS_URL": f"{host}/{redis_db}",
        "SCENIC_WEB_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "scenic_ops.settings"),
    }
    os.environ.update(env)
    os.environ.pop("SCENIC_TESTING", None)

    print(f"# fresh database {bench_db}, Redis db {redis_db}", flush=True)
    recreate_database(site, bench_db)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis as redis_lib

    redis_lib.Redis.from_url(env["SCENIC_REDIS_URL"]).flushdb()
    return site, bench_db, env


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT VERSION()")
        return cur.fetchone()[0]


# --- server -------------------------------------------------------------------------------------------
def start_gunicorn(
    port: int, work: Path, env: dict, *, workers: int, worker_class: str, threads: int | None
) -> subprocess.Popen:
    """gunicorn as the Procfile starts it (`scenic_ops.wsgi`), without an access log; `threads=None`
    leaves out `--threads`."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "scenic_ops.wsgi:application",
        "--pythonpath",
        "apps",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        *(["--threads", str(threads)] if threads is not None else []),
        "--timeout",
        "60",
        "--backlog",
        "2048",
        "--control-socket",
        str(work / "gunicorn.ctl"),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)


def wait_until_serving(base_url: str, server: subprocess.Popen, attempts: int) -> None:
    import requests

    for _ in range(attempts):
        if server.poll() is not None:
            raise ServerDied(f"gunicorn exited with code {server.returncode} while starting")
        try:
            if requests.get(f"{base_url}/api/v1/ticketing/keys", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def stop(server: subprocess.Popen, work: Path, *, keep: bool) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    if not keep:
        shutil.rmtree(work, ignore_errors=True)


# --- wrk ----------------------------------------------------------------------------------------------
def wrk_threads(clients: int) -> int:
    return 1 if clients == 1 else 2


def run_wrk(lua: Path, url: str, clients: int, duration: int, args: list[str], server=None) -> dict:
    """Runs wrk with a Lua script whose `done()` prints one `WRKRESULT name=value ...` line; returns those."""
    command = [
        "wrk",
        f"-t{wrk_threads(clients)}",
        f"-c{clients}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
        "--",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if server is not None and server.poll() is not None:
        raise ServerDied(f"gunicorn exited with code {server.returncode} during the run")
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()[:500]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRKRESULT"))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def latencies(result: dict, percentiles: tuple[int, ...] = (50, 95, 99)) -> str:
    """`p50_ms=… p95_ms=… p99_ms=…` from a wrk result."""
    return " ".join(f"p{p}_ms={result[f'p{p}_us'] / 1000:.1f}" for p in percentiles)


def socket_errors(result: dict) -> str:
    """` socket_errors=N` when wrk saw any, else nothing."""
    errors = result["read_err"] + result["connect_err"] + result["timeout"]
    return f" socket_errors={errors}" if errors else ""
