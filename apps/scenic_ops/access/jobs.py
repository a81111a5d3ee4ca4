"""Scheduled jobs of the gates domain."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from scenic_ops.core.scheduling import scheduled


@scheduled(
    "access_flush_scans",
    interval=15,
    timeout=60,
    queue="high",
    description="Write gate refusals decided without the database to the scan log",
)
def access_flush_scans_task():
    from scenic_ops.access import scanlog

    return f"written={scanlog.flush()}"


@scheduled(
    "access_purge",
    cron="40 3 * * *",
    timeout=1800,
    queue="low",
    description="Delete expired face/card bindings, old presence rows and scans past retention",
)
def access_purge_task(now):
    """Face-match bindings go when they expire (kept no longer than needed); scans after `scan_log_days`.

    The scan log is kept at least 183 days (Cybersecurity Law art. 21 asks 6 months of logs).
    """
    from scenic_ops.access.models import CredentialBinding, Presence, Scan

    bindings, _ = CredentialBinding.objects.filter(expires_at__lt=now).delete()
    presence = Presence.objects.filter(day__lt=(now - timedelta(days=3)).date())._raw_delete("default")
    days = max(183, int(settings.SITE.get("access", "scan_log_days", 400)))
    scans = Scan.objects.filter(at__lt=now - timedelta(days=days))._raw_delete("default")
    return f"bindings={bindings} presence={presence} scans={scans}"
