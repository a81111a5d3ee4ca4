"""Alarms: raised from device reports or silence, one open alarm per cause, cleared on recovery.

De-duplication lives in the database: an alarm that is not cleared holds a unique
`open_key` (device + cause), so a repeated fault code or a second offline check finds the
open alarm and counts an occurrence instead of opening another. Clearing frees the key.

What follows a new alarm (all in the same transaction): the rule's roles are told, a
repair ticket is opened when the rule says so, and for special equipment the site's
safety warning is raised through the visitor-flow service when that service exists.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import audit, hooks
from scenic_ops.core.models import AuditEvent, User
from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.hooks import ALARM_CLEARED, ALARM_RAISED, SAFETY_WARNING
from scenic_ops.operations.models import Alarm, AlarmRule, Asset, Device, RepairTicket, Severity
from scenic_ops.operations.services.common import tell, users_of_roles

log = logging.getLogger(__name__)
DEFAULT_ROLES = ["engineer", "dispatcher"]


def rules_for(device: Device, kind: str) -> list[AlarmRule]:
    """Enabled rules of this kind that cover the device's asset, most specific first."""
    asset = device.asset
    rules = AlarmRule.objects.filter(enabled=True, kind=kind).filter(
        Q(asset__isnull=True) | Q(asset=asset), Q(category__isnull=True) | Q(category_id=asset.category_id)
    )
    return sorted(rules, key=lambda r: (r.asset_id is None, r.category_id is None, r.pk))


def open_key(device: Device | None, asset: Asset, cause: str) -> str:
    return f"{device.pk if device else 'a' + str(asset.pk)}:{cause}"[:160]


def raise_alarm(
    *,
    asset: Asset,
    device: Device | None,
    cause: str,
    kind: str,
    title: str,
    rule: AlarmRule | None = None,
    value: Decimal | None = None,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[Alarm, bool]:
    """Open an alarm for this cause, or count another occurrence of the open one. Returns (alarm, created)."""
    now = now or timezone.now()
    at = at or now
    key = open_key(device, asset, cause)
    existing = Alarm.objects.select_for_update().filter(open_key=key).first()
    if existing is None:
        alarm = Alarm(
            rule=rule,
            asset=asset,
            device=device,
            kind=kind,
            cause=cause[:80],
            severity=rule.severity if rule else Severity.WARNING,
            title=title[:200],
            value=value,
            first_at=at,
            last_at=at,
            raised_at=now,
            open_key=key,
        )
        try:
            with transaction.atomic():
                alarm.save()
        except IntegrityError:  # raised concurrently by another request: count ours on it
            existing = Alarm.objects.select_for_update().get(open_key=key)
        else:
            _follow_up(alarm, now)
            return alarm, True
    Alarm.objects.filter(pk=existing.pk).update(
        occurrences=existing.occurrences + 1, last_at=max(existing.last_at, at), value=value, updated_at=now
    )
    existing.refresh_from_db()
    return existing, False


def _follow_up(alarm: Alarm, now: dt.datetime) -> None:
    rule, asset = alarm.rule, alarm.asset
    roles = (rule.notify_roles if rule and rule.notify_roles else DEFAULT_ROLES) if alarm.severity != "info" else []
    link = f"/admin/operations/alarm/{alarm.pk}/change/"
    tell(
        users_of_roles(roles),
        _("Alarm: %(title)s") % {"title": alarm.title},
        _("%(asset)s at %(time)s (%(severity)s).")
        % {
            "asset": asset,
            "time": timezone.localtime(alarm.first_at).strftime("%m-%d %H:%M"),
            "severity": alarm.get_severity_display(),
        },
        link=link,
        key=f"ops:alarm:{alarm.pk}",
        sms=alarm.severity == Severity.CRITICAL,
        event="alarm",
    )
    if rule is not None and rule.create_ticket:
        open_ticket(alarm, now=now)
    wants_warning = bool(rule is not None and rule.raise_site_warning and asset.special_equipment)
    wants_incident = rule.open_incident if rule is not None and rule.open_incident else ""
    if wants_warning or wants_incident:
        tell_others(alarm, incident_kind=wants_incident, site_warning=wants_warning, now=now)


def tell_others(alarm: Alarm, *, incident_kind: str, site_warning: bool, now: dt.datetime) -> None:
    """Ask other domains for what the alarm's rule wants: an emergency incident (service), the site's
    safety warning (visitor flow). When nobody raises the warning, managers and security are told here."""
    asset = alarm.asset
    position = asset.position()
    reason = _("%(asset)s: %(title)s") % {"asset": asset, "title": alarm.title}
    reactions = hooks.emit(
        ALARM_RAISED,
        source=f"operations.alarm:{alarm.pk}",
        title=reason,
        description=_("Raised by the alarm rule “%(rule)s”.") % {"rule": alarm.rule},
        zone_code=asset.zone.code if asset.zone_id else None,
        latitude=position[0] if position else None,
        longitude=position[1] if position else None,
        incident_kind=incident_kind,
        site_warning=site_warning,
        now=now,
    )
    if not site_warning:
        return
    if SAFETY_WARNING in reactions:
        alarm.site_warning = _("raised through the visitor-flow warning service")
    else:
        tell(
            users_of_roles(["manager", "security", "dispatcher"]),
            _("Safety warning: %(reason)s") % {"reason": reason},
            _("Special equipment alarm; consider stopping the equipment and guiding visitors."),
            link=f"/admin/operations/alarm/{alarm.pk}/change/",
            key=f"ops:alarm:{alarm.pk}:safety",
            sms=True,
            event="safety_warning",
        )
        alarm.site_warning = _("managers and security told directly (no visitor-flow safety warning)")
    Alarm.objects.filter(pk=alarm.pk).update(site_warning=alarm.site_warning)


def open_ticket(alarm: Alarm, *, user: User | None = None, now: dt.datetime | None = None) -> RepairTicket:
    """The alarm-to-repair rule: one ticket per alarm, linked both ways."""
    from scenic_ops.operations.services import repairs

    if alarm.ticket_id:
        return alarm.ticket
    ticket = repairs.report(
        title=_("Alarm: %(title)s") % {"title": alarm.title},
        description=_("Raised automatically at %(time)s by the alarm rule “%(rule)s”.")
        % {"time": timezone.localtime(alarm.raised_at).strftime("%Y-%m-%d %H:%M"), "rule": alarm.rule or "-"},
        asset=alarm.asset,
        priority=alarm.rule.ticket_priority if alarm.rule else "high",
        source=RepairTicket.Source.ALARM,
        reported_by=user,
        alarm=alarm,
        failure_at=alarm.first_at,
        now=now,
    )
    alarm.ticket = ticket
    Alarm.objects.filter(pk=alarm.pk).update(ticket=ticket)
    return ticket


def clear(
    alarm: Alarm,
    *,
    reason: str,
    user: User | None = None,
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Clear an open or acknowledged alarm. Returns False when it was already cleared."""
    now = now or timezone.now()
    updated = Alarm.objects.filter(pk=alarm.pk, open_key__isnull=False).update(
        state=Alarm.State.CLEARED,
        open_key=None,
        cleared_at=at or now,
        cleared_by=user if getattr(user, "pk", None) else None,
        clear_reason=reason[:120],
        updated_at=now,
    )
    if updated:
        audit.record(AuditEvent.Action.ACTION, alarm, user=user, message=f"cleared: {reason}"[:500])
        alarm.refresh_from_db()
        if alarm.site_warning:
            _lift_site_warning(alarm, now)
    return bool(updated)


def _lift_site_warning(alarm: Alarm, now: dt.datetime) -> None:
    """The counterpart of the safety warning the alarm asked for."""
    hooks.emit(ALARM_CLEARED, source=f"operations.alarm:{alarm.pk}", now=now)


def clear_cause(device: Device, cause: str, *, reason: str, at: dt.datetime, now: dt.datetime) -> bool:
    alarm = Alarm.objects.filter(open_key=open_key(device, device.asset, cause)).select_related("rule").first()
    if alarm is None or (alarm.rule is not None and not alarm.rule.auto_clear):
        return False
    return clear(alarm, reason=reason, at=at, now=now)


def acknowledge(alarm: Alarm, user: User, note: str = "", *, now: dt.datetime | None = None) -> Alarm:
    now = now or timezone.now()
    if alarm.state == Alarm.State.CLEARED:
        raise OpsError(OpsCode.ALARM_CLEARED)
    Alarm.objects.filter(pk=alarm.pk, state=Alarm.State.OPEN).update(
        state=Alarm.State.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=user, note=note[:300], updated_at=now
    )
    audit.record(AuditEvent.Action.ACTION, alarm, user=user, message=f"acknowledged {note}"[:500])
    alarm.refresh_from_db()
    return alarm


def check_offline(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Raise an offline alarm for each device silent longer than it may be (once per silence)."""
    now = now or timezone.now()
    raised = seen = 0
    for device in Device.objects.filter(active=True).select_related("asset", "asset__category"):
        silent_since = device.last_seen_at or device.created_at
        if now - silent_since <= dt.timedelta(minutes=device.offline_after_minutes):
            continue
        seen += 1
        if Alarm.objects.filter(open_key=open_key(device, device.asset, "offline")).exists():
            continue  # already alarmed for this silence
        with transaction.atomic():
            Device.objects.filter(pk=device.pk, online=True).update(online=False)
            rules = rules_for(device, AlarmRule.Kind.OFFLINE)
            rule = rules[0] if rules else None
            _alarm, created = raise_alarm(
                asset=device.asset,
                device=device,
                cause="offline",
                kind=AlarmRule.Kind.OFFLINE,
                title=_("%(device)s is offline") % {"device": device.name},
                rule=rule,
                at=silent_since,
                now=now,
            )
            raised += created
    return {"silent": seen, "raised": raised}
