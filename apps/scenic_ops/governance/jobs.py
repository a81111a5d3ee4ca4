"""Governance's scheduled jobs."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from scenic_ops.core.scheduling import scheduled
from scenic_ops.governance import retention, security


@scheduled(
    "governance_retention_purge",
    cron="50 3 * * *",
    timeout=1800,
    queue="low",
    description=gettext_noop("Purge personal data past its retention policy and log it"),
)
def retention_purge_task(now):
    return sum(log.total for log in retention.purge(now))


@scheduled(
    "governance_expire_risk_acceptances",
    cron="5 0 * * *",
    timeout=300,
    queue="low",
    description=gettext_noop("End accepted security risks past their date"),
)
def expire_risk_acceptances_task(now):
    return security.expire_acceptances(now)
