"""Crew calls (定位调度): the nearest available crew for a ticket or an alarm, and calls that record the answer.

Not resource dispatch (资源调度: pooled vehicles, people and materials sent on a dispatch order), which
is the service domain's (`service.dispatch`).

Available: an active staff member of a crew role, on duty in the crew app, whose phone or
badge reported a position in the last `FRESH_MINUTES`, and who is not in the middle of a
repair (a ticket in progress that they started or resumed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.models import Alarm, DispatchCall, RepairTicket, RepairWorkLog, Tracker
from scenic_ops.operations.services.common import distance_m, tell
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.errors import WorkflowError

CREW_ROLES = ("engineer", "inspector", "security")
FRESH_MINUTES = 30
ANSWER_MINUTES = 10


@dataclass
class Candidate:
    user: User
    tracker: Tracker
    distance_m: int
    last_at: dt.datetime
    has_skill: bool

    def as_dict(self) -> dict:
        return {
            "user": self.user.pk,
            "name": str(self.user),
            "tracker": self.tracker.code,
            "distance_m": self.distance_m,
            "last_at": self.last_at.isoformat(),
            "latitude": float(self.tracker.last_latitude),
            "longitude": float(self.tracker.last_longitude),
            "has_skill": self.has_skill,
        }


def location_of(subject: RepairTicket | Alarm) -> tuple[float, float]:
    if isinstance(subject, RepairTicket):
        if subject.latitude is not None and subject.longitude is not None:
            return float(subject.latitude), float(subject.longitude)
        where = subject.asset.position() if subject.asset_id else None
        if where is None and subject.zone_id and subject.zone.latitude is not None:
            where = float(subject.zone.latitude), float(subject.zone.longitude)
    else:
        where = subject.asset.position()
    if where is None:
        raise OpsError(OpsCode.NO_LOCATION, subject=str(subject))
    return where


def busy_user_ids() -> set[int]:
    """Crew in the middle of a repair: the ticket is in progress and their last entry on it starts work."""
    latest: dict[tuple[int, int], str] = {}
    rows = (
        RepairWorkLog.objects.filter(ticket__state="in_progress", by__isnull=False)
        .order_by("at", "id")
        .values_list("ticket_id", "by_id", "action")
    )
    for ticket_id, user_id, action in rows:
        latest[(ticket_id, user_id)] = action
    return {user for (_t, user), action in latest.items() if action in ("start", "resume")}


def nearest_crew(
    point: tuple[float, float],
    *,
    skill: str = "",
    roles: tuple[str, ...] = CREW_ROLES,
    limit: int = 5,
    now: dt.datetime | None = None,
) -> list[Candidate]:
    now = now or timezone.now()
    busy = busy_user_ids()
    trackers = (
        Tracker.objects.filter(
            active=True,
            on_duty=True,
            user__is_active=True,
            user__groups__role__code__in=list(roles),
            last_at__gte=now - dt.timedelta(minutes=FRESH_MINUTES),
            last_latitude__isnull=False,
        )
        .exclude(user_id__in=busy)
        .select_related("user")
        .distinct()
    )
    best: dict[int, Candidate] = {}
    for tracker in trackers:
        meters = int(distance_m(point, (float(tracker.last_latitude), float(tracker.last_longitude))))
        has_skill = bool(skill) and skill in (tracker.user.skills or [])
        known = best.get(tracker.user_id)
        if known is None or meters < known.distance_m:
            best[tracker.user_id] = Candidate(tracker.user, tracker, meters, tracker.last_at, has_skill)
    ranked = sorted(best.values(), key=lambda c: (bool(skill) and not c.has_skill, c.distance_m, c.user.pk))
    return ranked[:limit]


def nearest_for(subject: RepairTicket | Alarm, *, limit: int = 5, now: dt.datetime | None = None) -> list[Candidate]:
    skill = subject.skill if isinstance(subject, RepairTicket) else subject.asset.category.skill
    return nearest_crew(location_of(subject), skill=skill or "", limit=limit, now=now)


def call(
    user: User,
    *,
    by: User,
    ticket: RepairTicket | None = None,
    alarm: Alarm | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> DispatchCall:
    """Call a crew member to a ticket or alarm: they are told at once (in-app and SMS)."""
    now = now or timezone.now()
    subject = ticket or alarm
    if subject is None:
        raise OpsError(OpsCode.UNKNOWN_TICKET, ticket="-")
    if not user.is_active or not user.groups.filter(role__code__in=CREW_ROLES).exists():
        raise OpsError(OpsCode.NOT_CREW, user=str(user))
    tracker = Tracker.objects.filter(user=user, last_latitude__isnull=False).order_by("-last_at").first()
    meters = None
    if tracker is not None:
        try:
            meters = int(
                distance_m(location_of(subject), (float(tracker.last_latitude), float(tracker.last_longitude)))
            )
        except OpsError:
            meters = None
    with transaction.atomic():
        record = DispatchCall.objects.create(
            ticket=ticket,
            alarm=alarm,
            user=user,
            called_by=by,
            called_at=now,
            expires_at=now + dt.timedelta(minutes=ANSWER_MINUTES),
            distance_m=meters,
            note=note[:300],
        )
        where = f" ({meters} m)" if meters is not None else ""
        tell(
            [user],
            _("Dispatch call: %(subject)s") % {"subject": subject},
            _("%(by)s asks you to go%(where)s. Accept or decline in the crew app.") % {"by": by, "where": where},
            link="/crew/#calls",
            key=f"ops:call:{record.pk}",
            sms=True,
            event="dispatch_call",
        )
    return record


def answer(
    record: DispatchCall, user: User, *, accept: bool, note: str = "", now: dt.datetime | None = None
) -> DispatchCall:
    """The crew member accepts or declines; an accepted call on a ticket gives them the ticket."""
    now = now or timezone.now()
    if record.user_id != user.pk:
        raise OpsError(OpsCode.CALL_NOT_YOURS)
    if DispatchCall.objects.filter(pk=record.pk, state=DispatchCall.State.CALLING, expires_at__lt=now).update(
        state=DispatchCall.State.EXPIRED
    ):
        raise OpsError(OpsCode.CALL_CLOSED, state=DispatchCall.State.EXPIRED.label)
    with transaction.atomic():
        locked = DispatchCall.objects.select_for_update().get(pk=record.pk)
        if locked.state != DispatchCall.State.CALLING:
            if locked.state == (DispatchCall.State.ACCEPTED if accept else DispatchCall.State.DECLINED):
                return locked  # the phone retried its answer
            raise OpsError(OpsCode.CALL_CLOSED, state=locked.get_state_display())
        locked.state = DispatchCall.State.ACCEPTED if accept else DispatchCall.State.DECLINED
        locked.responded_at = now
        if note:
            locked.note = f"{locked.note} / {note}".strip(" /")[:300]
        locked.save(update_fields=["state", "responded_at", "note"])
        if accept and locked.ticket_id:
            _give_ticket(locked, user, now)
        if locked.called_by_id:
            tell(
                [locked.called_by],
                (_("%(user)s accepted the dispatch call") if accept else _("%(user)s declined the dispatch call"))
                % {"user": user},
                str(locked.ticket or locked.alarm),
                link=f"/admin/operations/dispatchcall/{locked.pk}/change/",
                key=f"ops:call:{locked.pk}:answer",
                event="dispatch_answer",
            )
    return locked


def _give_ticket(record: DispatchCall, user: User, now: dt.datetime) -> None:
    ticket = record.ticket
    track = workflow.track_of(ticket)
    if track is None or track.assignee_id == user.pk or record.called_by is None:
        return
    try:
        workflow.reassign(ticket, user, record.called_by, _("accepted a dispatch call"), now=now)
    except WorkflowError as exc:  # the caller may not re-assign: the call stays recorded
        record.note = f"{record.note} ({exc.detail})"[:300]
        record.save(update_fields=["note"])


def expire_calls(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return DispatchCall.objects.filter(state=DispatchCall.State.CALLING, expires_at__lt=now).update(
        state=DispatchCall.State.EXPIRED
    )
