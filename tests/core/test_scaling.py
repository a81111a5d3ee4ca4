"""Growing past one machine, as far as one machine can show it: stateless web processes,
queues that survive a worker's death, and read-heavy pages on a replica connection."""

import os
import signal
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
from tests.servers import child_env, wait_until, web_server

ROOT = settings.BASE_DIR
pytestmark = pytest.mark.slow


_env = child_env
_wait_until = wait_until


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
    with web_server(workers=1, threads=1) as first, web_server(workers=1, threads=1) as second:
        bases = [first, second]
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
