"""One registry of scheduled jobs (Frappe's `scheduler_events`, on RQ's cron).

Each domain declares its jobs in `<domain>/jobs.py`:

    @scheduled("outbox_sweep", interval=15, description="Deliver due outbox messages")
    def outbox_sweep_task(now): ...

`manage.py rqcron scenic_ops.cron` (the Procfile's scheduler) enqueues `run_job(name)`
on time; RQ workers run it; every run is logged as a JobRun. The watchdog reports jobs
that are late, stuck past their timeout, or failing repeatedly.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import django_rq
from croniter import croniter
from django.db import transaction
from django.utils import timezone

from scenic_ops.core.models import JobRun, JobSchedule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    cron: str | None = None
    interval: int | None = None
    timeout: int = 300
    queue: str = "default"
    description: str = ""
    failures_before_alert: int = 3

    @property
    def schedule(self) -> str:
        return self.cron if self.cron else f"every {self.interval}s"

    def previous_fire(self, now: datetime) -> datetime:
        """When the job should last have started, as of `now`."""
        if self.cron:
            local = timezone.localtime(now).replace(tzinfo=None)
            prev = croniter(self.cron, local).get_prev(datetime)
            return timezone.make_aware(prev)
        return now - timedelta(seconds=self.interval or 60)

    @property
    def grace(self) -> timedelta:
        period = self.interval or 60
        return timedelta(seconds=max(120, 2 * period))


_registry: dict[str, JobSpec] = {}


def scheduled(
    name: str,
    *,
    cron: str | None = None,
    interval: int | None = None,
    timeout: int = 300,
    queue: str = "default",
    description: str = "",
    failures_before_alert: int = 3,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if bool(cron) == bool(interval):
        raise ValueError(f"job {name}: give exactly one of cron or interval")
    if cron and not croniter.is_valid(cron):
        raise ValueError(f"job {name}: invalid cron expression {cron!r}")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _registry[name] = JobSpec(
            name,
            func,
            cron,
            interval,
            timeout,
            queue,
            description or (func.__doc__ or "").strip().split("\n")[0],
            failures_before_alert,
        )
        return func

    return register


def registry() -> dict[str, JobSpec]:
    return dict(_registry)


def get(name: str) -> JobSpec:
    try:
        return _registry[name]
    except KeyError:
        raise KeyError(f"unknown job {name!r}; known: {', '.join(sorted(_registry))}") from None


def sync_schedules() -> int:
    """Mirror the registry into JobSchedule rows for the desk (keeps 'enabled' as set there); rows of
    jobs the code no longer has are removed (their runs stay in the history)."""
    JobSchedule.objects.exclude(name__in=list(_registry)).delete()
    for spec in _registry.values():
        JobSchedule.objects.update_or_create(
            name=spec.name,
            defaults={
                "description": spec.description[:200],
                "schedule": spec.schedule,
                "timeout_seconds": spec.timeout,
            },
        )
    return len(_registry)


def _missed_start(spec: JobSpec, schedule: JobSchedule, now: datetime) -> datetime | None:
    """When `spec` should last have started, if it has been watched since then and no run started."""
    expected = spec.previous_fire(now)
    if expected - spec.grace <= schedule.first_seen_at:
        return None
    if JobRun.objects.filter(name=spec.name, started_at__gte=expected - spec.grace).exists():
        return None
    return expected


def missed(*, now: datetime | None = None) -> list[str]:
    """Enabled timetable jobs whose last planned start passed with no run (no scheduler was running)."""
    now = now or timezone.now()
    schedules = {s.name: s for s in JobSchedule.objects.filter(enabled=True)}
    return [
        spec.name
        for spec in _registry.values()
        # interval jobs start again within their interval anyway
        if spec.cron and spec.name in schedules and _missed_start(spec, schedules[spec.name], now)
    ]


def catch_up(*, now: datetime | None = None) -> list[str]:
    """Run once, now, each timetable job whose last start was missed while no scheduler ran (a fresh
    install, a restart after downtime) — as anacron does: every job is idempotent, and a late
    reminder or report is better than none. Called when the scheduler starts."""
    names = missed(now=now)
    for name in names:
        spec = _registry[name]
        django_rq.get_queue(spec.queue).enqueue(run_job, name, job_timeout=spec.timeout)
        log.info("scheduler: %s missed its last start, enqueued now", name)
    return names


def _call(spec: JobSpec, now: datetime, run: JobRun) -> Any:
    params = inspect.signature(spec.func).parameters
    kwargs: dict[str, Any] = {}
    if "now" in params:
        kwargs["now"] = now
    if "run" in params:
        kwargs["run"] = run
    return spec.func(**kwargs)


def run_job(name: str, trigger: str = JobRun.Trigger.SCHEDULE, run_id: int | None = None) -> str:
    """Executed by an RQ worker: run one job and log the run."""
    spec = get(name)
    schedule = JobSchedule.objects.filter(name=name).first()
    if trigger == JobRun.Trigger.SCHEDULE and schedule is not None and not schedule.enabled:
        return "disabled"
    now = timezone.now()
    try:
        from rq import get_current_job

        current = get_current_job()
    except Exception:  # noqa: BLE001
        current = None
    rq_id = current.id if current else ""
    if run_id:
        run = JobRun.objects.get(pk=run_id)
        run.status, run.started_at, run.rq_job_id = JobRun.Status.RUNNING, now, rq_id or run.rq_job_id
        run.save(update_fields=["status", "started_at", "rq_job_id"])
    else:
        run = JobRun.objects.create(
            name=name, trigger=trigger, status=JobRun.Status.RUNNING, started_at=now, rq_job_id=rq_id
        )
    JobSchedule.objects.filter(name=name).update(last_started_at=now, last_status=JobRun.Status.RUNNING)
    try:
        result = _call(spec, now, run)
    except Exception as exc:
        run.status = JobRun.Status.FAILED
        run.error = traceback.format_exc()[-8000:]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        JobSchedule.objects.filter(name=name).update(last_status=JobRun.Status.FAILED)
        log.exception("job %s failed", name)
        raise exc
    run.status = JobRun.Status.SUCCESS
    run.result = str(result if result is not None else "")[:500]
    run.finished_at = timezone.now()
    run.progress = 100
    run.save(update_fields=["status", "result", "finished_at", "progress"])
    JobSchedule.objects.filter(name=name).update(last_status=JobRun.Status.SUCCESS)
    return run.result


def run_now(name: str, *, user=None) -> JobRun:
    """Queue a job immediately (the desk's 'run now' button)."""
    spec = get(name)
    run = JobRun.objects.create(
        name=name,
        trigger=JobRun.Trigger.MANUAL,
        requested_by=user if getattr(user, "pk", None) else None,
    )

    def _enqueue() -> None:
        job = django_rq.get_queue(spec.queue).enqueue(
            run_job, name, JobRun.Trigger.MANUAL, run.pk, job_timeout=spec.timeout
        )
        JobRun.objects.filter(pk=run.pk).update(rq_job_id=job.id)

    transaction.on_commit(_enqueue)
    return run


def set_progress(run: JobRun | None, percent: int) -> None:
    """Long jobs report progress so the desk can show it."""
    if run is not None and run.pk:
        JobRun.objects.filter(pk=run.pk).update(progress=max(0, min(100, int(percent))))


@dataclass(frozen=True)
class JobProblem:
    kind: str  # late, stuck, failing
    job: str
    detail: str


def problems(*, now: datetime | None = None) -> list[JobProblem]:
    """Jobs that did not run on time, are stuck past their timeout, or keep failing."""
    now = now or timezone.now()
    found: list[JobProblem] = []
    schedules = {s.name: s for s in JobSchedule.objects.all()}
    for spec in _registry.values():
        schedule = schedules.get(spec.name)
        if schedule is None or not schedule.enabled:
            continue
        expected = _missed_start(spec, schedule, now)
        if expected is not None:
            found.append(
                JobProblem("late", spec.name, f"expected to start by {timezone.localtime(expected):%Y-%m-%d %H:%M}")
            )
        stuck = JobRun.objects.filter(
            name=spec.name, status=JobRun.Status.RUNNING, started_at__lt=now - timedelta(seconds=spec.timeout + 60)
        ).first()
        if stuck:
            found.append(
                JobProblem(
                    "stuck", spec.name, f"run #{stuck.pk} running since {timezone.localtime(stuck.started_at):%H:%M}"
                )
            )
        recent = list(
            JobRun.objects.filter(name=spec.name, status__in=[JobRun.Status.SUCCESS, JobRun.Status.FAILED])
            .order_by("-started_at")
            .values_list("status", flat=True)[: spec.failures_before_alert]
        )
        if len(recent) == spec.failures_before_alert and all(s == JobRun.Status.FAILED for s in recent):
            found.append(JobProblem("failing", spec.name, f"last {len(recent)} runs failed"))
    return found
