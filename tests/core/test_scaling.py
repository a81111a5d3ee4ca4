"""Growing past one machine, as far as one machine can show it: stateless web processes,
queues that survive a worker's death, and read-heavy pages on a replica connection."""

import os
import signal
import socket
import subprocess
import sys
import time

import django_rq
import pytest
import requests
from django.conf import settings
from django.db import connection
from rq.registry import FailedJobRegistry, StartedJobRegistry

from scenic_ops.core import scheduling
from scenic_ops.core.models import JobRun

ROOT = settings.BASE_DIR
pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return {**os.environ, "SCENIC_DATABASE_NAME": connection.settings_dict["NAME"], "SCENIC_TESTING": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_queued_work_survives_a_worker_killed_mid_job():
    scheduling.sync_schedules()
    queue = django_rq.get_queue("default")
    slow = queue.enqueue(time.sleep, 60, job_timeout=120)
    first = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _wait_until(lambda: slow.get_status(refresh=True) == "started"), "worker never started the job"
        waiting = queue.enqueue(scheduling.run_job, "outbox_sweep")
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its work horse die with no clean-up
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert waiting.get_status(refresh=True) == "queued"  # still in Redis, not lost
    second = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default", "--burst"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    second.wait(timeout=60)
    assert waiting.get_status(refresh=True) == "finished"
    assert JobRun.objects.filter(name="outbox_sweep", status="success").exists()
    # The abandoned job is still tracked; once its heartbeat lapses RQ moves it to the failed registry,
    # where the desk (/rq/) can requeue it.
    started = StartedJobRegistry(queue=queue)
    assert (
        slow.id in started.get_job_ids(cleanup=False) if "cleanup" in started.get_job_ids.__code__.co_varnames else True
    )
    started.cleanup(timestamp=time.time() + 3600)
    assert slow.id in FailedJobRegistry(queue=queue).get_job_ids()


@pytest.mark.django_db(transaction=True)
def test_a_session_started_on_one_web_process_works_on_another(make_user):
    user = make_user("manager")
    servers, bases = [], []
    for _ in range(2):
        port = _free_port()
        servers.append(
            subprocess.Popen(
                [
                    os.path.join(ROOT, ".venv/bin/gunicorn"),
                    "scenic_ops.wsgi:application",
                    "--pythonpath",
                    "apps",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            assert _wait_until(lambda b=base: _answers(b)), f"{base} did not start"
        session = requests.Session()
        session.get(f"{bases[0]}/admin/login/")
        token = session.cookies[settings.CSRF_COOKIE_NAME]
        login = session.post(
            f"{bases[0]}/admin/login/?next=/admin/",
            data={"username": user.username, "password": "pw-Test-2026", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{bases[0]}/admin/login/"},
            allow_redirects=False,
        )
        assert login.status_code == 302
        on_other = session.get(f"{bases[1]}/admin/", allow_redirects=False)
        assert on_other.status_code == 200  # logged in on the second process, no redirect to the login page
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/admin/login/", timeout=5).status_code == 200
    except requests.RequestException:
        return False


REPLICA_PROBE = """
import json
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from scenic_ops.core.dbrouter import reporting_db
from scenic_ops.core.models import User
client = Client()
client.force_login(User.objects.get(username="replica-probe"))
with CaptureQueriesContext(connections["replica"]) as replica, CaptureQueriesContext(connections["default"]) as primary:
    status = client.get("/admin/").status_code
print(json.dumps({"db": reporting_db(), "status": status,
                  "replica": " ".join(q["sql"] for q in replica.captured_queries),
                  "primary": " ".join(q["sql"] for q in primary.captured_queries)}))
"""


@pytest.mark.django_db(transaction=True)
def test_dashboards_read_from_the_replica_when_one_is_configured(make_user):
    """[database] replica_host adds a second connection; dashboard figures are read there, writes stay primary."""
    import json

    from scenic_ops.core.services import ensure_site_profile

    make_user("sysadmin", username="replica-probe", superuser=True)
    ensure_site_profile()  # the dashboard only reads; set-up creates the profile beforehand
    env = {
        **_env(),
        "SCENIC_DATABASE_REPLICA_HOST": "127.0.0.1",
        "SCENIC_DATABASE_REPLICA_NAME": connection.settings_dict["NAME"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", REPLICA_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["db"] == "replica"
    assert probe["status"] == 200
    assert "core_auditevent" in probe["replica"] and "core_jobrun" in probe["replica"]
    assert "core_auditevent" not in probe["primary"] and "core_jobrun" not in probe["primary"]
