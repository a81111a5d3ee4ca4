"""Real web servers for tests that need the production path: gunicorn as the Procfile starts it
(gthread workers, the lean WSGI entry), on the test database and the test Redis."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator

import requests
from django.conf import settings
from django.db import connection

ROOT = settings.BASE_DIR


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process that works on this test run's database and Redis."""
    return {
        **os.environ,
        "SCENIC_DATABASE_NAME": connection.settings_dict["NAME"],
        "SCENIC_TESTING": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, seconds: float = 30.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code in (200, 503)
    except requests.RequestException:
        return False


@contextlib.contextmanager
def web_server(*, workers: int = 2, threads: int = 8, env: dict[str, str] | None = None) -> Iterator[str]:
    """A gunicorn server (the Procfile's worker class) on a free port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            os.path.join(ROOT, ".venv/bin/gunicorn"),
            "scenic_ops.wsgi:application",
            "--pythonpath",
            "apps",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env or child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: answers(base)), "the web server did not start"
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
