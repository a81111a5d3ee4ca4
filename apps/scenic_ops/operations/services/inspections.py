"""Inspection rounds: the day's tasks (created once), checklist submissions from phones, reminders.

`create_daily_tasks` is run by the daily job; the unique (plan, day) constraint makes it
create each due task exactly once however often it runs. `submit` checks every answer
before writing anything; a failed item opens a repair ticket linked to the asset and the
inspection. A phone that retries a submission it already made (same submission id) gets
the first answer back instead of a second set of results.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from croniter import croniter
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.models import (
    ChecklistItem,
    InspectionPlan,
    InspectionResult,
    InspectionTask,
    RepairTicket,
    RoutePoint,
)
from scenic_ops.operations.services import repairs
from scenic_ops.operations.services.common import check_client_id, check_photo, lat_lng, plain, tell, users_of_roles

Kind = ChecklistItem.Kind
State = InspectionTask.State
MAX_SIGNATURE_BYTES = 512 * 1024


# --- the day's tasks -------------------------------------------------------------------


def due_on(plan: InspectionPlan, day: dt.date) -> bool:
    if not plan.active:
        return False
    if (plan.valid_from and day < plan.valid_from) or (plan.valid_until and day > plan.valid_until):
        return False
    if plan.frequency == InspectionPlan.Frequency.DAILY:
        return True
    if plan.frequency == InspectionPlan.Frequency.WEEKLY:
        return day.isoweekday() in {int(d) for d in (plan.weekdays or [])}
    if not plan.cron or not croniter.is_valid(plan.cron):
        return False
    start = dt.datetime.combine(day, dt.time(0, 0))
    fire = croniter(plan.cron, start - dt.timedelta(seconds=1)).get_next(dt.datetime)
    return fire.date() == day


def _window(plan: InspectionPlan, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    starts = timezone.make_aware(dt.datetime.combine(day, plan.start_time))
    return starts, starts + dt.timedelta(minutes=plan.duration_minutes)


def pick_assignee(plan: InspectionPlan, day: dt.date) -> User | None:
    """The plan's fixed assignee, else the member of its role (team, zone) with the fewest tasks that day."""
    if plan.assignee_id and plan.assignee.is_active:
        return plan.assignee
    candidates = User.objects.filter(is_active=True, groups__role__code=plan.role).distinct()
    if plan.department_id:
        candidates = candidates.filter(department_id=plan.department_id)
    if plan.zone_id:
        in_zone = candidates.filter(zones=plan.zone_id)
        if in_zone.exists():
            candidates = in_zone
    ranked = candidates.annotate(
        today=Count("inspection_tasks", filter=Q(inspection_tasks__day=day), distinct=True),
        recent=Count(
            "inspection_tasks",
            filter=Q(inspection_tasks__day__gte=day - dt.timedelta(days=30), inspection_tasks__day__lt=day),
            distinct=True,
        ),
    ).order_by("today", "recent", "pk")
    return ranked.first()


def create_daily_tasks(day: dt.date | None = None, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Create the tasks due on `day` (today by default), each exactly once, and assign them."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    created = existing = 0
    for plan in InspectionPlan.objects.filter(active=True).select_related("assignee", "department"):
        if not due_on(plan, day):
            continue
        starts, due = _window(plan, day)
        with transaction.atomic():
            task, was_created = InspectionTask.objects.get_or_create(
                plan=plan,
                day=day,
                defaults={"starts_at": starts, "due_at": due, "department": plan.department},
            )
            if not was_created:
                existing += 1
                continue
            created += 1
            assignee = pick_assignee(plan, day)
            if assignee is not None:
                task.assignee = assignee
                task.save(update_fields=["assignee", "updated_at"])
                tell(
                    [assignee],
                    _("Inspection today: %(plan)s") % {"plan": plan},
                    _("From %(start)s, to be done by %(due)s.")
                    % {
                        "start": timezone.localtime(starts).strftime("%H:%M"),
                        "due": timezone.localtime(due).strftime("%H:%M"),
                    },
                    link="/crew/",
                    key=f"ops:task:{task.pk}:assigned",
                    event="inspection",
                )
    missed = InspectionTask.objects.filter(day__lt=day, state__in=[State.PENDING, State.IN_PROGRESS]).update(
        state=State.MISSED, updated_at=now
    )
    return {"created": created, "existing": existing, "missed": missed}


def remind_overdue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind the assignee once a task is overdue; escalate to their manager and the team head later."""
    now = now or timezone.now()
    open_states = [State.PENDING, State.IN_PROGRESS]
    reminded = escalated = 0
    due = InspectionTask.objects.filter(state__in=open_states, due_at__lt=now).select_related(
        "plan", "assignee", "department__head"
    )
    for task in due.filter(reminded_at__isnull=True)[:500]:
        with transaction.atomic():
            if not InspectionTask.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            reminded += 1
            if task.assignee_id:
                tell(
                    [task.assignee],
                    _("Inspection overdue: %(task)s") % {"task": task.plan},
                    _("It was due at %(due)s.") % {"due": timezone.localtime(task.due_at).strftime("%H:%M")},
                    link="/crew/",
                    key=f"ops:task:{task.pk}:overdue",
                    sms=True,
                    event="inspection_overdue",
                )
    for task in due.filter(escalated_at__isnull=True, plan__escalate_after_minutes__gt=0)[:500]:
        if task.due_at + dt.timedelta(minutes=task.plan.escalate_after_minutes) > now:
            continue
        with transaction.atomic():
            if not InspectionTask.objects.filter(pk=task.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            escalated += 1
            people = {u for u in (getattr(task.assignee, "manager", None), getattr(task.department, "head", None)) if u}
            if not people:
                people = set(users_of_roles(["manager"]))
            tell(
                sorted(people, key=lambda u: u.pk),
                _("Inspection not done: %(task)s") % {"task": task.plan},
                _("%(who)s has not completed it; it was due at %(due)s.")
                % {
                    "who": task.assignee or _("nobody (unassigned)"),
                    "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
                },
                link=f"/admin/operations/inspectiontask/{task.pk}/change/",
                key=f"ops:task:{task.pk}:escalated",
                event="inspection_escalated",
            )
    return {"reminded": reminded, "escalated": escalated}


# --- submissions ------------------------------------------------------------------------


@dataclass
class Answer:
    point: RoutePoint | None
    item: ChecklistItem
    answer: str = ""
    number: Decimal | None = None
    passed: bool = True
    note: str = ""
    photo: UploadedFile | ContentFile | None = None
    photo_ext: str = "jpg"
    at: dt.datetime | None = None


@dataclass
class Submission:
    task: InspectionTask
    results: int
    failed: int
    tickets: list[int] = field(default_factory=list)
    replayed: bool = False

    def as_dict(self) -> dict:
        return {
            "task": self.task.pk,
            "state": self.task.state,
            "results": self.results,
            "failed": self.failed,
            "tickets": self.tickets,
            "replayed": self.replayed,
        }


def checklist(task: InspectionTask) -> list[tuple[RoutePoint | None, list[ChecklistItem]]]:
    """The route in walking order, each point with its checklist (the plan's template)."""
    items = list(task.plan.template.items.order_by("position", "id"))
    points = list(task.plan.points.select_related("asset", "zone").order_by("position", "id"))
    return [(p, items) for p in points] or [(None, items)]


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in ("yes", "true", "1", "y", "是", "ok"):
        return True
    if text in ("no", "false", "0", "n", "否"):
        return False
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _signature(value: Any, label: str) -> ContentFile | None:
    """A drawn signature arrives as a PNG data URL."""
    if not isinstance(value, str) or not value.startswith("data:image/png;base64,"):
        return None
    try:
        raw = base64.b64decode(value.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        raise OpsError(OpsCode.ANSWER_INVALID, item=label, reason=_("the signature is not a PNG picture")) from None
    if len(raw) > MAX_SIGNATURE_BYTES or not raw.startswith(b"\x89PNG"):
        raise OpsError(OpsCode.ANSWER_INVALID, item=label, reason=_("the signature is not a PNG picture"))
    return ContentFile(raw, name="signature.png")


def _answer_time(raw: Any, now: dt.datetime) -> dt.datetime:
    if isinstance(raw, str) and raw:
        try:
            at = dt.datetime.fromisoformat(raw)
        except ValueError:
            return now
        if timezone.is_aware(at) and now - dt.timedelta(days=2) <= at <= now + dt.timedelta(minutes=5):
            return at
    return now


def _check(point, item: ChecklistItem, raw: dict, files: dict[str, Any], now: dt.datetime) -> Answer:
    label = item.display_label
    value = raw.get("value")
    answer = Answer(point=point, item=item, note=str(raw.get("note") or "")[:500], at=_answer_time(raw.get("at"), now))
    empty = value is None or (isinstance(value, str) and not value.strip())
    if item.kind == Kind.YES_NO:
        if not empty:
            flag = _yes_no(value)
            if flag is None:
                raise OpsError(OpsCode.ANSWER_INVALID, item=label, reason=_("answer yes or no"))
            answer.answer = "yes" if flag else "no"
            answer.passed = flag == item.expected_yes
    elif item.kind == Kind.NUMBER:
        if not empty:
            number = _decimal(value)
            if number is None:
                raise OpsError(OpsCode.ANSWER_INVALID, item=label, reason=_("enter a number"))
            low, high = item.min_value, item.max_value
            if (low is not None and number < low) or (high is not None and number > high):
                raise OpsError(
                    OpsCode.ANSWER_OUT_OF_RANGE,
                    item=label,
                    value=plain(number),
                    low=plain(low) if low is not None else "-∞",
                    high=plain(high) if high is not None else "∞",
                )
            answer.number = number.quantize(Decimal("0.001"))
            answer.answer = f"{plain(number)}{item.unit}"
            answer.passed = not (
                (item.pass_min is not None and number < item.pass_min)
                or (item.pass_max is not None and number > item.pass_max)
            )
    elif item.kind == Kind.CHOICE:
        if not empty:
            if str(value) not in [str(c) for c in item.choices or []]:
                raise OpsError(OpsCode.ANSWER_INVALID, item=label, reason=_("choose one of the offered answers"))
            answer.answer = str(value)
            answer.passed = str(value) not in [str(c) for c in item.failing_choices or []]
    elif item.kind == Kind.TEXT:
        if not empty:
            answer.answer = str(value).strip()[:500]
    elif item.kind == Kind.SIGNATURE:
        signature = _signature(value, label) if not empty else None
        if signature is None and not empty:
            raise OpsError(OpsCode.ANSWER_INVALID, item=label, reason=_("the signature is not a PNG picture"))
        if signature is None and item.required:
            raise OpsError(OpsCode.SIGNATURE_MISSING, item=label)
        if signature is not None:
            answer.photo, answer.photo_ext, answer.answer = signature, "png", _("signed")
        return answer
    photo_key = raw.get("photo")
    photo = files.get(photo_key) if isinstance(photo_key, str) and photo_key else None
    if photo is not None:
        answer.photo_ext = check_photo(photo, name=label)
        answer.photo = photo
    if item.kind == Kind.PHOTO:
        if photo is None and item.required:
            raise OpsError(OpsCode.PHOTO_MISSING, item=label)
        answer.answer = _("photo") if photo is not None else ""
        return answer
    if empty and item.required:
        raise OpsError(OpsCode.ANSWER_MISSING, item=label)
    needs_photo = item.photo_required and (not answer.passed or not item.photo_only_on_failure)
    if needs_photo and photo is None:
        raise OpsError(OpsCode.PHOTO_MISSING, item=label)
    return answer


def _results_summary(task: InspectionTask, replayed: bool) -> Submission:
    results = list(task.results.select_related("ticket"))
    tickets = sorted(RepairTicket.objects.filter(inspection_task=task).values_list("pk", flat=True))
    return Submission(task, len(results), sum(1 for r in results if not r.passed), tickets, replayed)


def submit(
    task: InspectionTask,
    user: User,
    answers: list[dict],
    *,
    files: dict[str, Any] | None = None,
    submission_id: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
    accuracy_m: Any = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Record a completed checklist (all route points) and open repair tickets for failed items."""
    now = now or timezone.now()
    files = files or {}
    submission_id = check_client_id(submission_id)
    if task.assignee_id != user.pk and not user.has_perm("operations.change_inspectiontask"):
        raise OpsError(OpsCode.NOT_YOUR_TASK)
    if task.state == State.DONE:
        if submission_id and task.submission_id == submission_id:
            return _results_summary(task, replayed=True)
        raise OpsError(OpsCode.TASK_DONE, at=timezone.localtime(task.completed_at).strftime("%Y-%m-%d %H:%M"))
    if task.day > timezone.localdate(now):
        raise OpsError(OpsCode.TASK_NOT_STARTED, day=task.day.isoformat())
    lat, lng = lat_lng(latitude, longitude)
    accuracy = _decimal(accuracy_m)
    accuracy = int(accuracy) if accuracy is not None and 0 <= accuracy < 100_000 else None
    if not isinstance(answers, list):
        raise OpsError(OpsCode.ANSWER_INVALID, item="-", reason=_("answers must be a list"))
    given: dict[tuple[int | None, int], dict] = {}
    for raw in answers:
        if not isinstance(raw, dict):
            raise OpsError(OpsCode.ANSWER_INVALID, item="-", reason=_("each answer must be an object"))
        try:
            point_id = int(raw["point"]) if raw.get("point") not in (None, "") else None
            item_id = int(raw.get("item"))
        except (TypeError, ValueError):
            raise OpsError(OpsCode.UNKNOWN_ITEM, item=str(raw.get("item"))[:20]) from None
        given[(point_id, item_id)] = raw
    expected = {(p.pk if p else None, i.pk): (p, i) for p, items in checklist(task) for i in items}
    unknown = [key for key in given if key not in expected]
    if unknown:
        raise OpsError(OpsCode.UNKNOWN_ITEM, item=str(unknown[0][1]))
    checked = [_check(p, i, given.get(key, {}), files, now) for key, (p, i) in expected.items()]
    with transaction.atomic():
        locked = InspectionTask.objects.select_for_update().get(pk=task.pk)
        if locked.state == State.DONE:  # a retry raced the first submission
            if submission_id and locked.submission_id == submission_id:
                return _results_summary(locked, replayed=True)
            raise OpsError(OpsCode.TASK_DONE, at=timezone.localtime(locked.completed_at).strftime("%Y-%m-%d %H:%M"))
        saved: list[tuple[Answer, InspectionResult]] = []
        for answer in checked:
            result = InspectionResult(
                task=locked,
                point=answer.point,
                item=answer.item,
                answer=answer.answer[:500],
                number=answer.number,
                passed=answer.passed,
                note=answer.note,
                answered_by=user,
                answered_at=answer.at or now,
                received_at=now,
                latitude=lat,
                longitude=lng,
                accuracy_m=accuracy,
            )
            if answer.photo is not None:
                stamp = f"{answer.point.pk if answer.point else 0}-{answer.item.pk}"
                result.photo.save(f"{stamp}.{answer.photo_ext}", answer.photo, save=False)
            result.save()
            saved.append((answer, result))
        failed = [(a, r) for a, r in saved if not r.passed]
        locked.state = State.DONE
        locked.completed_at = now
        locked.completed_by = user
        locked.started_at = locked.started_at or min((r.answered_at for _a, r in saved), default=now)
        locked.failed_items = len(failed)
        locked.latitude, locked.longitude = lat, lng
        locked.submission_id = submission_id or ""
        locked.save()
        tickets = [
            _open_ticket(locked, answer, result, user, now) for answer, result in failed if answer.item.opens_ticket
        ]
    return Submission(locked, len(saved), len(failed), [t.pk for t in tickets])


def _open_ticket(task: InspectionTask, answer: Answer, result: InspectionResult, user: User, now: dt.datetime):
    point = answer.point
    asset = point.asset if point is not None else None
    zone = (point.zone if point is not None and point.zone_id else None) or task.plan.zone
    where = str(point) if point is not None else str(task.plan)
    lines = [
        _("Inspection “%(plan)s” on %(day)s at %(where)s.") % {"plan": task.plan, "day": task.day, "where": where},
        _("Item: %(item)s — answer: %(answer)s")
        % {"item": answer.item.display_label, "answer": result.answer_display or "-"},
    ]
    if result.note:
        lines.append(result.note)
    return repairs.report(
        title=_("Failed check at %(where)s: %(item)s (%(answer)s)")
        % {"item": answer.item.display_label, "where": where, "answer": result.answer_display or "-"},
        description="\n".join(lines),
        asset=asset,
        zone=zone,
        priority=answer.item.ticket_priority,
        source=RepairTicket.Source.INSPECTION,
        reported_by=user,
        latitude=result.latitude,
        longitude=result.longitude,
        photos=[result.photo.name] if result.photo else [],
        inspection_task=task,
        inspection_result=result,
        failure_at=result.answered_at,
        now=now,
    )


def start(task: InspectionTask, user: User, *, now: dt.datetime | None = None) -> InspectionTask:
    """The crew member opened the checklist (shown as “in progress” in the desk)."""
    now = now or timezone.now()
    if task.assignee_id != user.pk and not user.has_perm("operations.change_inspectiontask"):
        raise OpsError(OpsCode.NOT_YOUR_TASK)
    InspectionTask.objects.filter(pk=task.pk, state=State.PENDING).update(
        state=State.IN_PROGRESS, started_at=now, updated_at=now
    )
    task.refresh_from_db()
    return task
