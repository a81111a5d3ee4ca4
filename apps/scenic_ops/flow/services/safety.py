"""Safety warnings raised by other domains (equipment alarms, fire alarms, weather warnings).

    raise_safety_warning(source="operations.alarm:12", reason="索道: 风速超限", level="orange")
    clear_safety_warning(source="operations.alarm:12")

Raising is idempotent per source while the warning is active: the staff of the site policy's
notification roles are told once, the warning is shown on the public pages and big screen
(banner and alerts) until it is cleared, and the change is pushed to live viewers.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import audit
from scenic_ops.core.models import AuditEvent
from scenic_ops.flow import live
from scenic_ops.flow.models import Level, SafetyWarning

LEVELS = {"yellow": Level.YELLOW, "orange": Level.ORANGE, "red": Level.RED}


def _level(level: str | int) -> int:
    if isinstance(level, int) and level in (Level.YELLOW, Level.ORANGE, Level.RED):
        return level
    if level in LEVELS:
        return LEVELS[level]
    raise ValueError(f"unknown safety warning level {level!r}; use yellow, orange or red")


def raise_safety_warning(
    *, source: str, reason: str, level: str | int = "orange", now: dt.datetime | None = None
) -> SafetyWarning:
    from scenic_ops.flow.services.levels import notify_roles, site_policy

    now = now or timezone.now()
    value = _level(level)
    source = source[:120]
    with transaction.atomic():
        existing = SafetyWarning.objects.select_for_update().filter(active_key=source).first()
        if existing is not None:
            if value > existing.level:  # an escalation of the same cause raises the level, not a second warning
                existing.level = value
                existing.save(update_fields=["level"])
                live.changed(evaluate=False)
            return existing
        try:
            with transaction.atomic():
                warning = SafetyWarning.objects.create(
                    source=source, level=value, reason=reason[:300], raised_at=now, active_key=source
                )
        except IntegrityError:  # raised at the same instant by another process
            return SafetyWarning.objects.get(active_key=source)
        audit.record(AuditEvent.Action.ACTION, warning, message=f"safety warning raised by {source}"[:500])
        roles = site_policy().notify_roles or ["manager", "security", "dispatcher"]
        notify_roles(
            roles,
            _("Safety warning: {reason}").format(reason=reason),
            reason,
            key=f"flow:safety:{warning.pk}",
            event="safety_warning",
            link="/admin/flow/safetywarning/",
        )
        live.changed(evaluate=False)
    return warning


def clear_safety_warning(*, source: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        warning = SafetyWarning.objects.select_for_update().filter(active_key=source[:120]).first()
        if warning is None:
            return False
        warning.cleared_at, warning.active_key = now, None
        warning.save(update_fields=["cleared_at", "active_key"])
        audit.record(AuditEvent.Action.ACTION, warning, message=f"safety warning cleared ({source})"[:500])
        live.changed(evaluate=False)
    return True
