"""The platform's own scheduled jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from scenic_ops.core import outbox
from scenic_ops.core.models import AuditEvent, IdempotencyRecord, SystemAlert
from scenic_ops.core.scheduling import problems, scheduled

KINDS = {
    "late": SystemAlert.Kind.JOB_LATE,
    "stuck": SystemAlert.Kind.JOB_STUCK,
    "failing": SystemAlert.Kind.JOB_FAILING,
}


@scheduled("outbox_sweep", interval=15, timeout=120, queue="high", description="Deliver due outbox messages")
def outbox_sweep_task(now):
    return outbox.sweep(now=now)


@scheduled("job_watchdog", interval=60, timeout=60, queue="high", description="Alert on late, stuck or failing jobs")
def job_watchdog_task(now):
    """Raise one alert per open problem, notify the administrators, clear alerts that resolved."""
    current = {f"{p.kind}:{p.job}": p for p in problems(now=now)}
    raised = 0
    with transaction.atomic():
        for key, problem in current.items():
            alert, created = SystemAlert.objects.get_or_create(
                open_key=key,
                defaults={"kind": KINDS[problem.kind], "subject": problem.job, "message": problem.detail},
            )
            if created:
                raised += 1
                for channel, target in alert_targets():
                    outbox.enqueue(
                        channel,
                        target,
                        subject=f"[scenic-ops {settings.SITE_NAME}] {alert.get_kind_display()}: {problem.job}",
                        body=problem.detail,
                        source=f"alert:{alert.pk}",
                    )
        job_keys = list(KINDS.values())
        stale = SystemAlert.objects.filter(kind__in=job_keys, open_key__isnull=False).exclude(
            open_key__in=list(current)
        )
        cleared = stale.update(open_key=None, cleared_at=now)
    return f"open={len(current)} raised={raised} cleared={cleared}"


def alert_targets() -> list[tuple[str, str]]:
    site = settings.SITE
    targets = [("wecom", url) for url in site.get("alerts", "wecom_webhooks", []) or []]
    targets += [("email", addr) for addr in site.get("alerts", "emails", []) or []]
    return targets


@scheduled(
    "retention_purge",
    cron="20 3 * * *",
    timeout=1800,
    queue="low",
    description="Purge expired audit and idempotency records",
)
def retention_purge_task(now):
    """Audit events are kept at least 6 months (Cybersecurity Law art. 21); default 400 days."""
    audit_days = max(183, int(settings.SITE.get("retention", "audit_days", 400)))
    audit_deleted = AuditEvent.objects.filter(at__lt=now - timedelta(days=audit_days))._raw_delete("default")
    idem_deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - timedelta(days=7)).delete()
    return f"audit={audit_deleted} idempotency={idem_deleted}"
