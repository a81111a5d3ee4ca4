"""Working an incident: tasks acknowledged and done by their roles, the level, notes, command,
containment, the report and closing; drills; a user's open tasks; reminders of overdue tasks.

Raising an incident and starting its plan is `incidents`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.service.common import clean_text, users_of_roles
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.incidents import OPEN, incident_type, log, raise_incident, set_level  # noqa: F401
from scenic_ops.service.models import (
    Incident,
    IncidentEvent,
    IncidentTask,
    Level,
)

logger = logging.getLogger(__name__)


def _may_command(user: Any) -> bool:
    return bool(user is not None and (user.is_superuser or user.has_perm("service.command_incident")))


def _check_role(task: IncidentTask, user: User) -> None:
    if _may_command(user) or task.owner_role in user.role_codes():
        return
    raise ServiceError(ServiceCode.NOT_YOUR_TASK, status=403, role=task.owner_role)


def acknowledge_task(task: IncidentTask, user: User, *, now=None) -> IncidentTask:
    now = now or timezone.now()
    _check_role(task, user)
    with transaction.atomic():
        updated = IncidentTask.objects.filter(pk=task.pk, state=IncidentTask.State.PENDING).update(
            state=IncidentTask.State.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=now
        )
        if updated:
            minutes = max(0, int((now - task.incident.raised_at).total_seconds() // 60))
            log(
                task.incident,
                IncidentEvent.Kind.TASK,
                _("%(user)s acknowledged “%(task)s” (%(minutes)d min after raising)")
                % {"user": user, "task": task.title, "minutes": minutes},
                user=user,
                now=now,
            )
    task.refresh_from_db()
    return task


def complete_task(task: IncidentTask, user: User, note: Any = "", *, skipped: bool = False, now=None) -> IncidentTask:
    now = now or timezone.now()
    _check_role(task, user)
    text = clean_text(note)[:300]
    with transaction.atomic():
        updated = IncidentTask.objects.filter(
            pk=task.pk, state__in=[IncidentTask.State.PENDING, IncidentTask.State.ACKNOWLEDGED]
        ).update(
            state=IncidentTask.State.SKIPPED if skipped else IncidentTask.State.DONE,
            done_by=user,
            done_at=now,
            note=text,
            acknowledged_by=task.acknowledged_by or user,
            acknowledged_at=task.acknowledged_at or now,
        )
        if not updated:
            raise ServiceError(ServiceCode.TASK_DONE, status=409)
        log(
            task.incident,
            IncidentEvent.Kind.TASK,
            (_("%(user)s marked “%(task)s” not needed") if skipped else _("%(user)s finished “%(task)s”"))
            % {"user": user, "task": task.title}
            + (f": {text}" if text else ""),
            user=user,
            now=now,
        )
    task.refresh_from_db()
    return task


def add_note(incident: Incident, user: User, text: Any, *, now=None) -> IncidentEvent:
    note = clean_text(text)
    if not note:
        raise ServiceError(ServiceCode.TEXT_MISSING)
    return log(incident, IncidentEvent.Kind.NOTE, note[:500], user=user, now=now)


def take_command(incident: Incident, user: User, *, now=None) -> Incident:
    with transaction.atomic():
        incident.commander = user
        incident.save(update_fields=["commander", "updated_at"])
        log(incident, IncidentEvent.Kind.STATE, _("%(user)s took command") % {"user": user}, user=user, now=now)
    return incident


def contain(incident: Incident, user: User, *, now=None) -> Incident:
    now = now or timezone.now()
    with transaction.atomic():
        if Incident.objects.filter(pk=incident.pk, state=Incident.State.OPEN).update(
            state=Incident.State.CONTAINED, contained_at=now, updated_at=now
        ):
            log(incident, IncidentEvent.Kind.STATE, _("Contained"), user=user, now=now)
    incident.refresh_from_db()
    return incident


def draft_report(incident: Incident) -> str:
    """A closing report to start from: what happened, the tasks and how fast they were taken up, the notices."""
    lines = [
        f"{incident.code} {incident.title}",
        _("Type: %(type)s; %(level)s; raised %(at)s by %(source)s.")
        % {
            "type": incident.type,
            "level": Level(incident.level).label,
            "at": timezone.localtime(incident.raised_at).strftime("%Y-%m-%d %H:%M"),
            "source": incident.get_source_display(),
        },
        "",
        _("Tasks:"),
    ]
    for task in incident.tasks.all():
        ack = (
            f"{int((task.acknowledged_at - incident.raised_at).total_seconds() // 60)} min"
            if task.acknowledged_at
            else _("not acknowledged")
        )
        late = task.done_at and task.done_at > task.due_at
        lines.append(f"- [{task.get_state_display()}] {task.title} ({task.owner_role}; {ack}){' ⚠' if late else ''}")
    lines += ["", _("Notices:")]
    for notice in incident.notices.select_related("outbox"):
        status = notice.outbox.get_status_display() if notice.outbox_id else "-"
        lines.append(f"- {notice.name} ({notice.get_channel_display()}): {status}")
    lines += ["", _("Cause, damage and lessons learned:"), ""]
    return "\n".join(str(x) for x in lines)


def close(incident: Incident, user: User, report: Any, *, now=None) -> Incident:
    now = now or timezone.now()
    text = clean_text(report)
    if not text:
        raise ServiceError(ServiceCode.REPORT_MISSING)
    with transaction.atomic():
        if not Incident.objects.filter(pk=incident.pk, state__in=OPEN).update(
            state=Incident.State.CLOSED, closed_at=now, closing_report=text[:20000], updated_at=now
        ):
            raise ServiceError(ServiceCode.INCIDENT_CLOSED, status=409, incident=incident.code)
        IncidentTask.objects.filter(
            incident=incident, state__in=[IncidentTask.State.PENDING, IncidentTask.State.ACKNOWLEDGED]
        ).update(state=IncidentTask.State.SKIPPED, done_at=now, note=_("closed with the incident"))
        log(incident, IncidentEvent.Kind.STATE, _("Closed with a report"), user=user, now=now)
    incident.refresh_from_db()
    return incident


def start_drill(kind: Any, user: User, *, level: Any = None, zone: Any = None, title: Any = "", now=None) -> Incident:
    itype = incident_type(kind)
    return raise_incident(
        itype,
        None,
        level=level,
        zone=zone,
        title=title or _("Drill: %(type)s") % {"type": itype.name},
        source=Incident.Source.DRILL,
        reported_by=user,
        is_drill=True,
        now=now,
    )


def open_tasks_for(user: User):
    """Tasks of open incidents waiting for one of the user's roles."""
    return (
        IncidentTask.objects.filter(
            owner_role__in=list(user.role_codes()),
            state__in=[IncidentTask.State.PENDING, IncidentTask.State.ACKNOWLEDGED],
            incident__state__in=OPEN,
        )
        .select_related("incident", "incident__type", "incident__zone")
        .order_by("due_at", "order")
    )


def remind_overdue(*, now=None) -> int:
    """Tasks past their deadline without acknowledgement: tell the commander and the managers once."""
    from scenic_ops.workflow.services.notifications import notify_in_app

    now = now or timezone.now()
    count = 0
    late = IncidentTask.objects.filter(
        due_at__lt=now, state=IncidentTask.State.PENDING, overdue_notified=False, incident__state__in=OPEN
    ).select_related("incident", "incident__commander")
    for task in late:
        if not IncidentTask.objects.filter(pk=task.pk, overdue_notified=False).update(overdue_notified=True):
            continue
        people = list(users_of_roles(["manager"]))
        if task.incident.commander_id:
            people.append(task.incident.commander)
        for user in {u.pk: u for u in people}.values():
            notify_in_app(
                user,
                _("Emergency task overdue: %(task)s") % {"task": task.title},
                _("%(incident)s: nobody of the role “%(role)s” has acknowledged it.")
                % {"incident": task.incident, "role": task.owner_role},
                event="incident_task_overdue",
                link=f"/admin/service/commandpost/{task.incident_id}/",
                dedupe_key=f"service:task:{task.pk}:overdue:{user.pk}",
            )
        log(task.incident, IncidentEvent.Kind.TASK, _("Overdue: “%(task)s”") % {"task": task.title}, now=now)
        count += 1
    return count
