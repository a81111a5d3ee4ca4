"""Scheduled jobs: RQ's cron enqueues them, workers run them, every run is logged, the watchdog watches."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from scenic_ops.core import scheduling
from scenic_ops.core.jobs import job_watchdog_task
from scenic_ops.core.models import JobRun, JobSchedule, OutboxMessage, SystemAlert

ROOT = settings.BASE_DIR


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["SCENIC_DATABASE_NAME"] = connection.settings_dict["NAME"]  # the test database
    env["SCENIC_TESTING"] = "1"
    return env


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_rq_cron_enqueues_and_a_worker_runs_and_logs_the_jobs():
    """The Procfile's scheduler and worker, as real processes against the test database and Redis."""
    scheduling.sync_schedules()
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "rqcron", "scenic_ops.cron"],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "high", "default", "low"],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            done = set(JobRun.objects.filter(status="success").values_list("name", flat=True))
            if {"outbox_sweep", "job_watchdog"} <= done:
                break
            time.sleep(0.5)
        runs = JobRun.objects.filter(name="outbox_sweep", status="success")
        assert runs.exists(), "the scheduler + worker did not run outbox_sweep"
        run = runs.first()
        assert run.trigger == "schedule" and run.started_at and run.finished_at and run.rq_job_id
        assert JobSchedule.objects.get(name="outbox_sweep").last_status == "success"
        health = Client().get("/healthz")
        body = health.json()
        assert body["checks"]["worker"]["ok"] and body["checks"]["scheduler"]["ok"], body
        assert health.status_code == 200, body
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_run_now_from_the_desk_is_queued_run_and_logged(make_user, rq_worker):
    scheduling.sync_schedules()
    client = Client()
    client.force_login(make_user("sysadmin"))
    schedule = JobSchedule.objects.get(name="outbox_sweep")
    response = client.post(f"/admin/core/jobschedule/{schedule.pk}/run-now/")
    assert response.status_code == 302
    run = JobRun.objects.get(name="outbox_sweep", trigger="manual")
    assert run.status == "queued" and run.rq_job_id
    rq_worker()
    run.refresh_from_db()
    assert run.status == "success" and run.finished_at is not None


@pytest.mark.django_db
def test_run_now_needs_the_permission(make_user):
    scheduling.sync_schedules()
    client = Client()
    client.force_login(make_user("security_auditor"))
    schedule = JobSchedule.objects.get(name="outbox_sweep")
    assert client.post(f"/admin/core/jobschedule/{schedule.pk}/run-now/").status_code == 403
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_failing_job_is_logged_with_its_error_and_alerted_after_repeated_failures(monkeypatch):
    scheduling.sync_schedules()

    def broken(now):
        raise RuntimeError("provincial platform unreachable")

    spec = scheduling.get("outbox_sweep")
    monkeypatch.setitem(scheduling._registry, "outbox_sweep", scheduling.JobSpec(**{**spec.__dict__, "func": broken}))
    for _ in range(3):
        with pytest.raises(RuntimeError):
            scheduling.run_job("outbox_sweep")
    run = JobRun.objects.filter(name="outbox_sweep").latest("id")
    assert run.status == "failed" and "provincial platform unreachable" in run.error
    kinds = {p.kind for p in scheduling.problems()}
    assert "failing" in kinds
    job_watchdog_task(timezone.now())
    alert = SystemAlert.objects.get(kind="job_failing", subject="outbox_sweep")
    assert alert.cleared_at is None


@pytest.mark.django_db
def test_watchdog_reports_a_late_job_and_a_stuck_job_then_clears(settings):
    settings.SITE.data.setdefault("alerts", {})["emails"] = ["ops@example.cn"]
    scheduling.sync_schedules()
    now = timezone.now()
    JobSchedule.objects.update(first_seen_at=now - timedelta(days=2))
    # none ever ran: the interval job and the daily job are both late
    job_watchdog_task(now)
    late = set(SystemAlert.objects.filter(kind="job_late", cleared_at__isnull=True).values_list("subject", flat=True))
    assert {"outbox_sweep", "job_watchdog", "retention_purge"} <= late
    assert OutboxMessage.objects.filter(channel="email", subject__contains="outbox_sweep").count() == 1
    job_watchdog_task(now)  # still late: no second alert, no second e-mail
    assert OutboxMessage.objects.filter(channel="email", subject__contains="outbox_sweep").count() == 1

    for name in scheduling.registry():
        JobRun.objects.create(name=name, status="success", started_at=now, finished_at=now)
    JobRun.objects.create(name="retention_purge", status="running", started_at=now - timedelta(hours=2))
    job_watchdog_task(now)
    open_alerts = set(SystemAlert.objects.filter(cleared_at__isnull=True).values_list("kind", "subject"))
    assert open_alerts == {("job_stuck", "retention_purge")}
    health = Client().get("/healthz").json()
    assert {"kind": "stuck", "job": "retention_purge"}.items() <= health["checks"]["jobs"]["problems"][0].items()
    settings.SITE.data["alerts"].pop("emails")


@pytest.mark.django_db
def test_healthz_degrades_without_worker_and_scheduler():
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert not body["checks"]["worker"]["ok"] and not body["checks"]["scheduler"]["ok"]


@pytest.mark.django_db(transaction=True)
def test_a_starting_scheduler_runs_once_the_timetable_jobs_missed_while_none_ran(rq_worker):
    """A fresh install or a scheduler back after downtime: each missed daily job runs once, the
    watchdog has nothing late left, and a job that did run is not run again."""
    scheduling.sync_schedules()
    now = timezone.now()
    JobSchedule.objects.update(first_seen_at=now - timedelta(days=2))
    daily = [name for name, spec in scheduling.registry().items() if spec.cron]
    assert "retention_purge" in daily
    done = daily[1] if daily[0] == "retention_purge" else daily[0]
    JobRun.objects.create(name=done, status="success", started_at=now, finished_at=now)

    missed = scheduling.catch_up(now=now)
    assert "retention_purge" in missed and done not in missed
    assert not any(scheduling.get(name).interval for name in missed)  # interval jobs just start on time
    rq_worker()
    ran = set(JobRun.objects.filter(status="success").values_list("name", flat=True))
    assert set(missed) <= ran
    assert JobRun.objects.filter(name="retention_purge").count() == 1
    assert not {p.job for p in scheduling.problems() if p.kind == "late"} & set(daily)
    assert scheduling.catch_up() == []  # started again at once: nothing is run twice


@pytest.mark.django_db
def test_a_job_the_code_no_longer_has_leaves_the_desks_list_but_keeps_its_history():
    JobSchedule.objects.create(name="service_flow_watch", description="a job of an older version", schedule="60s")
    JobRun.objects.create(name="service_flow_watch", status="success", started_at=timezone.now())
    count = scheduling.sync_schedules()
    assert not JobSchedule.objects.filter(name="service_flow_watch").exists()
    assert JobSchedule.objects.count() == count == len(scheduling.registry())
    assert JobRun.objects.filter(name="service_flow_watch").exists()
