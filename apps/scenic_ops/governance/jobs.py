"""Governance's scheduled jobs."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from scenic_ops.core.scheduling import scheduled
from scenic_ops.governance import retention


@scheduled(
    "governance_retention_purge",
    cron="50 3 * * *",
    timeout=1800,
    queue="low",
    description=gettext_noop("Purge personal data past its retention policy and log it"),
)
def retention_purge_task(now):
    return sum(log.total for log in retention.purge(now))
