"""Bad configuration and a missing database give clear messages, never a traceback."""

import os
import subprocess
import sys

import pytest
import requests
from django.conf import settings

from tests.servers import web_server

ROOT = settings.BASE_DIR


def _run(args, **env):
    full = {**os.environ, **env}
    full.pop("SCENIC_TESTING", None)  # production mode
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
    )


def test_unknown_site_name_is_a_clear_error():
    result = _run(["check"], SCENIC_SITE="no-such-site")
    assert result.returncode == 2
    assert "unknown site 'no-such-site'" in result.stderr and "Available sites: default" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_database_is_a_clear_error_on_the_command_line():
    result = _run(["migrate", "--noinput"], SCENIC_DATABASE_NAME="scenic_default_test_missing")
    assert result.returncode == 2
    assert "cannot use database 'scenic_default_test_missing'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_missing_database_gives_503_pages_not_tracebacks_in_production_mode():
    env = {**os.environ, "SCENIC_DATABASE_NAME": "scenic_default_test_missing"}
    env.pop("SCENIC_TESTING", None)
    with web_server(workers=1, threads=1, env=env) as base:
        health = requests.get(f"{base}/healthz", timeout=15)
        assert health.status_code == 503 and not health.json()["checks"]["database"]["ok"]
        api = requests.get(f"{base}/api/v1/core/jobs", headers={"X-Api-Key": "sk_0123456789ab_x"}, timeout=15)
        assert api.status_code == 503
        assert api.json() == {"code": "database_unavailable", "detail": api.json()["detail"]}
        page = requests.post(f"{base}/admin/login/", data={"username": "a", "password": "b"}, timeout=15)
        assert page.status_code in (403, 503)  # CSRF refusal or the database notice, never a traceback
        for response in (api, page):
            assert "Traceback" not in response.text and "pymysql" not in response.text
