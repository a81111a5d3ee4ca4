"""Scheduled jobs of the operations domain (each idempotent: running one twice changes nothing more)."""

from __future__ import annotations

from django.utils import timezone

from scenic_ops.core.scheduling import scheduled
from scenic_ops.operations.services import alarms, certificates, crew_calls, inspections


@scheduled(
    "ops_inspection_tasks", cron="5 0 * * *", timeout=600, description="Create and assign today's inspection tasks"
)
def ops_inspection_tasks_task(now):
    return inspections.create_daily_tasks(timezone.localdate(now), now=now)


@scheduled("ops_inspection_overdue", interval=600, timeout=300, description="Remind and escalate overdue inspections")
def ops_inspection_overdue_task(now):
    return inspections.remind_overdue(now=now)


@scheduled("ops_device_offline", interval=60, timeout=55, queue="high", description="Offline alarms for silent devices")
def ops_device_offline_task(now):
    return alarms.check_offline(now=now)


@scheduled("ops_dispatch_expiry", interval=60, timeout=55, description="Close unanswered dispatch calls")
def ops_dispatch_expiry_task(now):
    return f"expired={crew_calls.expire_calls(now=now)}"


@scheduled("ops_certificates", cron="10 0 * * *", timeout=300, description="Mark expired inspection certificates")
def ops_certificates_task(now):
    return f"expired={certificates.mark_expired(now=now)}"
