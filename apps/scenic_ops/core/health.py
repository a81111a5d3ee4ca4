"""`/healthz`: database, Redis, RQ workers, the RQ cron scheduler and the jobs' watchdog."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import django_rq
from django.db import connection
from django.utils import timezone
from rq import Worker
from rq.cron import CronScheduler

from scenic_ops.core import scheduling, sql

WORKER_STALE = timedelta(seconds=90)
SCHEDULER_STALE = timedelta(seconds=120)


def _timed(check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result.setdefault("ok", True)
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        sql.ping(cursor)
    return {}


def _redis() -> dict[str, Any]:
    django_rq.get_connection("default").ping()
    return {}


def _worker() -> dict[str, Any]:
    conn = django_rq.get_connection("default")
    now = datetime.now(UTC)
    alive = [w for w in Worker.all(connection=conn) if w.last_heartbeat and now - w.last_heartbeat < WORKER_STALE]
    return {"ok": bool(alive), "count": len(alive)}


def _scheduler() -> dict[str, Any]:
    conn = django_rq.get_connection("default")
    now = datetime.now(UTC)
    beats = [s.last_heartbeat for s in CronScheduler.all(conn)]
    fresh = [b for b in beats if b and now - b < SCHEDULER_STALE]
    return {"ok": bool(fresh), "count": len(fresh)}


def _jobs() -> dict[str, Any]:
    found = scheduling.problems(now=timezone.now())
    return {"ok": not found, "problems": [{"kind": p.kind, "job": p.job, "detail": p.detail} for p in found]}


def report() -> tuple[bool, dict[str, Any]]:
    checks = {
        "database": _timed(_database),
        "redis": _timed(_redis),
    }
    checks["worker"] = _timed(_worker) if checks["redis"]["ok"] else {"ok": False, "error": "redis down"}
    checks["scheduler"] = _timed(_scheduler) if checks["redis"]["ok"] else {"ok": False, "error": "redis down"}
    checks["jobs"] = _timed(_jobs) if checks["database"]["ok"] else {"ok": False, "error": "database down"}
    healthy = all(c["ok"] for c in checks.values())
    return healthy, checks
