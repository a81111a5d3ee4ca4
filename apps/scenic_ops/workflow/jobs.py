"""Scheduled jobs of the workflow domain (escalations, SLA checks, date reminders)."""

from __future__ import annotations

from scenic_ops.core.scheduling import scheduled
from scenic_ops.workflow.services import timers


@scheduled("workflow_sla_check", interval=300, timeout=240, description="SLA warnings and breaches of open documents")
def workflow_sla_check_task(now):
    return timers.check_sla(now=now)


@scheduled(
    "workflow_escalations", interval=300, timeout=240, description="Hand documents waiting too long to the next level"
)
def workflow_escalations_task(now):
    return f"escalated={timers.check_escalations(now=now)}"


@scheduled("workflow_date_reminders", cron="0 8 * * *", timeout=900, description="N days before/after date reminders")
def workflow_date_reminders_task(now):
    return f"messages={timers.send_date_reminders(now=now)}"
