"""Incidents and emergency plans.

`raise_incident(kind, trigger_key, ...)` is the one way in, for staff, the visitor SOS button,
the flow domain's red level, operations' fire-alarm and special-equipment alarms, and a
weather warning pushed through the API. It is idempotent per trigger: raised twice by the same
trigger, it is one incident (the repeat is logged on its timeline). Raising it starts the
incident type's emergency plan in the same transaction: a task per plan step for the step's
owner role (with a deadline, to be acknowledged), notices to internal teams and outside
agencies through the outbox (SMS, e-mail, signed webhook), and a timeline entry for each.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import outbox, pii
from scenic_ops.core.models import User, Zone
from scenic_ops.service import messaging
from scenic_ops.service.common import clean_text, lat_lng, new_code, normalise_phone, users_of_roles, zone_of
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import (
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentTask,
    IncidentType,
    Level,
    PlanContact,
)

logger = logging.getLogger(__name__)
TRIGGER = re.compile(r"^[\x21-\x7e]{1,190}$")
LEVEL_ZH = {4: "Ⅳ级（一般）", 3: "Ⅲ级（较大）", 2: "Ⅱ级（重大）", 1: "Ⅰ级（特别重大）"}
LEVEL_EN = {4: "level IV", 3: "level III", 2: "level II", 1: "level I"}
OPEN = (Incident.State.OPEN, Incident.State.CONTAINED)


def _level(value: Any, default: int) -> int:
    if value in (None, ""):
        return default
    text = str(value).strip().upper()
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4}
    if text in roman:
        return roman[text]
    try:
        number = int(text)
    except ValueError:
        raise ServiceError(ServiceCode.INVALID_LEVEL) from None
    if number not in (1, 2, 3, 4):
        raise ServiceError(ServiceCode.INVALID_LEVEL)
    return number


def incident_type(kind: Any) -> IncidentType:
    if isinstance(kind, IncidentType):
        return kind
    code = clean_text(kind)
    found = IncidentType.objects.filter(code=code, active=True).select_related("plan").first()
    if found is None:
        known = ", ".join(IncidentType.objects.filter(active=True).values_list("code", flat=True))
        raise ServiceError(ServiceCode.UNKNOWN_INCIDENT_TYPE, value=code[:40], known=known)
    return found


def log(incident: Incident, kind: str, text: str, *, user: Any = None, name: str = "", now=None) -> IncidentEvent:
    """Add a line to the incident's timeline."""
    who = user if getattr(user, "pk", None) else None
    return IncidentEvent.objects.create(
        incident=incident,
        at=now or timezone.now(),
        kind=kind,
        text=str(text)[:500],
        by=who,
        by_name=(str(who) if who else name or _("system"))[:150],
    )


def nearest_zone(lat, lng) -> Zone | None:
    if lat is None or lng is None:
        return None
    best, best_d = None, None
    for zone in Zone.objects.filter(active=True, latitude__isnull=False, longitude__isnull=False):
        d = math.hypot(
            float(zone.latitude) - float(lat), (float(zone.longitude) - float(lng)) * math.cos(math.radians(float(lat)))
        )
        if best_d is None or d < best_d:
            best, best_d = zone, d
    return best


def raise_incident(
    kind: Any,
    trigger_key: str | None = None,
    *,
    level: Any = None,
    title: Any = "",
    description: Any = "",
    zone: Any = None,
    latitude: Any = None,
    longitude: Any = None,
    source: str = Incident.Source.STAFF,
    reported_by: User | None = None,
    reporter_phone: Any = "",
    is_drill: bool = False,
    now: dt.datetime | None = None,
) -> Incident:
    """Open an incident and start its plan; the same `trigger_key` again returns the same incident."""
    now = now or timezone.now()
    if trigger_key is not None:
        trigger_key = str(trigger_key)
        if not TRIGGER.match(trigger_key):
            raise ServiceError(ServiceCode.INVALID_TRIGGER)
    itype = incident_type(kind)
    lvl = _level(level, itype.default_level)
    zone_obj = zone_of(zone)
    lat, lng = lat_lng(latitude, longitude)
    if zone_obj is None and lat is not None:
        zone_obj = nearest_zone(lat, lng)
    phone = normalise_phone(reporter_phone, landline_ok=True) if reporter_phone else ""
    heading = clean_text(title)[:200] or (f"{itype.name} · {zone_obj.name}" if zone_obj else itype.name)
    if source not in Incident.Source.values:
        source = Incident.Source.STAFF
    if trigger_key:
        existing = Incident.objects.filter(trigger_key=trigger_key).first()
        if existing is not None:
            return _repeat(existing, lvl, source, now)
    try:
        with transaction.atomic():
            incident = Incident(
                code=new_code("SJ", Incident, now=now),
                type=itype,
                level=lvl,
                title=heading,
                description=clean_text(description)[:4000],
                source=Incident.Source.DRILL if is_drill else source,
                trigger_key=trigger_key,
                is_drill=is_drill,
                plan=itype.plan if itype.plan_id and itype.plan.active else None,
                zone=zone_obj,
                latitude=lat if lat is not None else zone_obj.latitude if zone_obj else None,
                longitude=lng if lng is not None else zone_obj.longitude if zone_obj else None,
                reported_by=reported_by if getattr(reported_by, "pk", None) else None,
                raised_at=now,
            )
            if phone:
                incident.reporter_phone_enc = pii.encrypt(phone, context="phone")
                incident.reporter_phone_masked = pii.mask_phone(phone)
            incident.save()
            log(
                incident,
                IncidentEvent.Kind.RAISED,
                _("Raised (%(source)s): %(title)s") % {"source": incident.get_source_display(), "title": heading},
                user=reported_by,
                name=trigger_key or "",
                now=now,
            )
            start_plan(incident, now=now)
    except IntegrityError:
        if not trigger_key:
            raise
        existing = Incident.objects.filter(trigger_key=trigger_key).first()
        if existing is None:
            raise
        return _repeat(existing, lvl, source, now)
    return incident


def _repeat(incident: Incident, level: int, source: str, now: dt.datetime) -> Incident:
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(repeats=F("repeats") + 1, updated_at=now)
        log(incident, IncidentEvent.Kind.REPEATED, _("The same trigger was raised again."), name=source, now=now)
        if level < incident.level and incident.state in OPEN:
            set_level(incident, level, None, now=now)
    incident.refresh_from_db()
    return incident


def _message_values(incident: Incident, english: bool) -> dict[str, Any]:
    where = (
        incident.zone.name_en or incident.zone.name
        if (incident.zone and english)
        else incident.zone.name
        if incident.zone
        else ""
    )
    if incident.latitude is not None and not where:
        where = f"({incident.latitude}, {incident.longitude})"
    return {
        "site": messaging.site_name(english),
        "code": incident.code,
        "type": (incident.type.name_en or incident.type.name) if english else incident.type.name,
        "level": LEVEL_EN[incident.level] if english else LEVEL_ZH[incident.level],
        "title": incident.title,
        "place": where or ("the scenic area" if english else "景区内"),
        "time": timezone.localtime(incident.raised_at).strftime("%m-%d %H:%M"),
        "plan": (incident.plan.name_en or incident.plan.name)
        if incident.plan and english
        else incident.plan.name
        if incident.plan
        else "-",
        "commander": str(incident.commander) if incident.commander_id else ("duty manager" if english else "值班经理"),
        "drill": ("[DRILL] " if english else "【演练】") if incident.is_drill else "",
        "link": messaging.absolute(f"/admin/service/commandpost/{incident.pk}/"),
    }


def start_plan(incident: Incident, *, now: dt.datetime | None = None) -> tuple[int, int]:
    """Create the plan's tasks and send its notices (idempotent: steps and contacts already done are skipped)."""
    now = now or timezone.now()
    plan = incident.plan
    if plan is None:
        log(incident, IncidentEvent.Kind.PLAN, _("No emergency plan is attached to this incident type."), now=now)
        return 0, 0
    tasks = notices = 0
    done_steps = set(incident.tasks.values_list("step_id", flat=True))
    values = _message_values(incident, english=False)
    for step in plan.steps.all():
        if step.pk in done_steps or incident.level > step.min_level:
            continue
        task = IncidentTask.objects.create(
            incident=incident,
            step=step,
            order=step.order,
            title=step.title,
            instructions=step.instructions,
            owner_role=step.owner_role,
            due_at=incident.raised_at + dt.timedelta(minutes=step.deadline_minutes),
        )
        tasks += 1
        _tell_role(incident, task, values)
    done_contacts = set(incident.notices.values_list("contact_id", flat=True))
    for contact in plan.contacts.select_related("template"):
        if contact.pk in done_contacts or incident.level > contact.min_level:
            continue
        if incident.is_drill and not contact.notify_drills:
            continue
        notify_contact(incident, contact, now=now)
        notices += 1
    log(
        incident,
        IncidentEvent.Kind.PLAN,
        _("Plan “%(plan)s” started: %(tasks)d tasks, %(notices)d notices.")
        % {"plan": plan, "tasks": tasks, "notices": notices},
        now=now,
    )
    return tasks, notices


def _tell_role(incident: Incident, task: IncidentTask, values: dict[str, Any]) -> None:
    from scenic_ops.workflow.services.notifications import notify_in_app

    due = timezone.localtime(task.due_at).strftime("%H:%M")
    body = messaging.render("incident_task", {**values, "task": task.title, "due": due}).body
    for user in users_of_roles([task.owner_role]):
        notify_in_app(
            user,
            _("Emergency task: %(task)s") % {"task": task.title},
            body,
            event="incident_task",
            link="/service/tasks/",
            dedupe_key=f"service:task:{task.pk}:{user.pk}",
        )
        if user.phone_enc:
            outbox.enqueue(
                "sms",
                pii.decrypt(user.phone_enc, context="phone"),
                body=body,
                dedupe_key=f"service:task:{task.pk}:{user.pk}:sms",
                source=f"service:incident:{incident.code}",
            )


def notify_contact(incident: Incident, contact: PlanContact, *, now=None) -> IncidentNotice:
    now = now or timezone.now()
    english = False
    message = messaging.render("incident_notice", _message_values(incident, english), template=contact.template)
    payload = None
    if contact.channel == PlanContact.Channel.WEBHOOK:
        payload = {
            "event": "incident",
            "code": incident.code,
            "type": incident.type.code,
            "level": incident.level,
            "drill": incident.is_drill,
            "title": incident.title,
            "zone": incident.zone.code if incident.zone else None,
            "latitude": float(incident.latitude) if incident.latitude is not None else None,
            "longitude": float(incident.longitude) if incident.longitude is not None else None,
            "raised_at": incident.raised_at.isoformat(),
            "text": message.body,
        }
    queued = outbox.enqueue(
        contact.channel,
        contact.target,
        subject=message.subject,
        body=message.body,
        payload=payload,
        dedupe_key=f"service:incident:{incident.pk}:contact:{contact.pk}",
        source=f"service:incident:{incident.code}",
    )
    notice = IncidentNotice.objects.create(
        incident=incident,
        contact=contact,
        name=contact.name,
        kind=contact.kind,
        channel=contact.channel,
        target_display=queued.target_display,
        body=message.body,
        outbox=queued,
        at=now,
    )
    log(
        incident,
        IncidentEvent.Kind.NOTICE,
        _("%(name)s notified by %(channel)s") % {"name": contact.name, "channel": contact.get_channel_display()},
        now=now,
    )
    return notice


def set_level(incident: Incident, level: Any, user: User | None, *, now=None) -> Incident:
    """Change the level; a more severe level starts the plan's steps and notices that begin at it."""
    now = now or timezone.now()
    new = _level(level, incident.level)
    if new == incident.level:
        return incident
    with transaction.atomic():
        old = incident.level
        incident.level = new
        incident.save(update_fields=["level", "updated_at"])
        log(
            incident,
            IncidentEvent.Kind.LEVEL,
            _("Level %(old)s → %(new)s") % {"old": Level(old).label, "new": Level(new).label},
            user=user,
            now=now,
        )
        if new < old:
            start_plan(incident, now=now)
    return incident
