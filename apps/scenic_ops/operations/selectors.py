"""Reads of the operations domain: reliability figures, the crew's day, compliance, the map."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.operations.models import (
    Alarm,
    Asset,
    InspectionResult,
    InspectionTask,
    ParkMap,
    PositionFix,
    RepairTicket,
    Tracker,
)
from scenic_ops.operations.models.repairs import PRIORITY_RANK
from scenic_ops.operations.services import repairs
from scenic_ops.operations.services.inspections import checklist

CLOSED_STATES = ("closed", "rejected")


# --- reliability --------------------------------------------------------------------------


@dataclass
class Reliability:
    failures: int
    repairs: int
    downtime_hours: float
    mttr_hours: float | None  # mean time to repair: failure → back in service
    mtbf_hours: float | None  # mean time between failures: operating time ÷ failures
    availability: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "failures": self.failures,
            "repairs": self.repairs,
            "downtime_hours": round(self.downtime_hours, 2),
            "mttr_hours": None if self.mttr_hours is None else round(self.mttr_hours, 2),
            "mtbf_hours": None if self.mtbf_hours is None else round(self.mtbf_hours, 2),
            "availability": None if self.availability is None else round(self.availability, 4),
        }


def reliability_of(
    outages: list[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, end: dt.datetime
) -> Reliability:
    """MTTR and MTBF over a window from failure/restoration pairs (restoration None: still down).

    - failures: outages that began inside the window;
    - MTTR = mean(restored − failed) of the outages restored inside the window;
    - downtime = the parts of all outages that overlap the window;
    - MTBF = (window length − downtime) ÷ failures;
    - availability = operating time ÷ window length.
    """
    window = (end - start).total_seconds()
    failures = [(f, r) for f, r in outages if start <= f < end]
    repaired = [(r - f).total_seconds() for f, r in outages if r is not None and start <= r < end and r >= f]
    down = 0.0
    for failed, restored in outages:
        begin, finish = max(failed, start), min(restored or end, end)
        if finish > begin:
            down += (finish - begin).total_seconds()
    operating = max(window - down, 0.0)
    return Reliability(
        failures=len(failures),
        repairs=len(repaired),
        downtime_hours=down / 3600,
        mttr_hours=(sum(repaired) / len(repaired) / 3600) if repaired else None,
        mtbf_hours=(operating / len(failures) / 3600) if failures else None,
        availability=(operating / window) if window > 0 else None,
    )


def outages(asset: Asset) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The asset's failures: every repair ticket not rejected, from failure to back in service."""
    return list(
        RepairTicket.objects.filter(asset=asset)
        .exclude(state="rejected")
        .order_by("failure_at")
        .values_list("failure_at", "restored_at")
    )


def asset_reliability(asset: Asset, *, days: int = 90, now: dt.datetime | None = None) -> Reliability:
    now = now or timezone.now()
    return reliability_of(outages(asset), now - dt.timedelta(days=days), now)


# --- an asset's page ----------------------------------------------------------------------


def asset_overview(asset: Asset, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    tickets = RepairTicket.objects.filter(asset=asset)
    costs = tickets.aggregate(parts=Sum("parts_cost"), labour=Sum("labour_cost"), estimated=Sum("estimated_cost"))
    parts, labour = costs["parts"] or Decimal("0"), costs["labour"] or Decimal("0")
    return {
        "asset": asset,
        "children": list(asset.children.select_related("category")),
        "open_alarms": list(asset.alarms.exclude(state=Alarm.State.CLEARED).order_by("-raised_at")[:20]),
        "recent_alarms": list(asset.alarms.filter(state=Alarm.State.CLEARED).order_by("-raised_at")[:10]),
        "tickets": _with_state_labels(list(tickets.select_related("assignee").order_by("-created_at")[:20])),
        "inspections": list(
            InspectionTask.objects.filter(plan__points__asset=asset)
            .distinct()
            .select_related("plan", "assignee")
            .order_by("-day")[:10]
        ),
        "devices": list(asset.devices.all()),
        "certificates": list(asset.certificates.order_by("-expires_on")[:5]),
        "costs": {"parts": parts, "labour": labour, "total": parts + labour, "estimated": costs["estimated"] or 0},
        "reliability": asset_reliability(asset, now=now).as_dict(),
        "reliability_year": asset_reliability(asset, days=365, now=now).as_dict(),
    }


def _with_state_labels(tickets: list[RepairTicket]) -> list[RepairTicket]:
    from scenic_ops.workflow import services as workflow

    flow = workflow.active_workflow("operations.repairticket")
    for ticket in tickets:
        ticket.state_label = flow.label_of(ticket.state) if flow else ticket.state
    return tickets


# --- the crew's day -----------------------------------------------------------------------


def _point_dict(point, items, lang_en: bool) -> dict[str, Any]:
    where = None
    if point is not None:
        if point.latitude is not None:
            where = [float(point.latitude), float(point.longitude)]
        elif point.asset_id and point.asset.position():
            where = list(point.asset.position())
        elif point.zone_id and point.zone.latitude is not None:
            where = [float(point.zone.latitude), float(point.zone.longitude)]
    return {
        "id": point.pk if point else None,
        "name": str(point) if point else "",
        "asset": point.asset.code if point is not None and point.asset_id else "",
        "position": where,
        "items": [
            {
                "id": i.pk,
                "label": i.display_label,
                "kind": i.kind,
                "required": i.required,
                "min": float(i.min_value) if i.min_value is not None else None,
                "max": float(i.max_value) if i.max_value is not None else None,
                "pass_min": float(i.pass_min) if i.pass_min is not None else None,
                "pass_max": float(i.pass_max) if i.pass_max is not None else None,
                "unit": i.unit,
                "choices": i.choices or [],
                "failing_choices": i.failing_choices or [],
                "expected_yes": i.expected_yes,
                "photo_required": i.photo_required,
                "photo_only_on_failure": i.photo_only_on_failure,
            }
            for i in items
        ],
    }


def task_dict(task: InspectionTask, now: dt.datetime) -> dict[str, Any]:
    done = task.state == InspectionTask.State.DONE
    return {
        "id": task.pk,
        "plan": str(task.plan),
        "day": task.day.isoformat(),
        "state": task.state,
        "state_label": task.get_state_display(),
        "starts_at": task.starts_at.isoformat(),
        "due_at": task.due_at.isoformat(),
        "overdue": task.is_overdue(now),
        "failed_items": task.failed_items,
        "points": [_point_dict(p, items, False) for p, items in checklist(task)],
        "completed_at": task.completed_at.isoformat() if done and task.completed_at else None,
        "completed_by": str(task.completed_by) if done and task.completed_by_id else "",
        "results": inspection_results(task) if done else [],
    }


def inspection_results(task: InspectionTask) -> list[dict[str, Any]]:
    """A completed checklist's answers as recorded, one per route point and item (read-only in the app)."""
    return [
        {
            "point": r.point_id,
            "item": r.item_id,
            "answer": r.answer_display,
            "passed": r.passed,
            "note": r.note,
            "photo": bool(r.photo),
            "answered_at": r.answered_at.isoformat(),
            "answered_by": str(r.answered_by) if r.answered_by_id else "",
        }
        for r in task.results.all()
    ]


def ticket_dict(
    ticket: RepairTicket, now: dt.datetime, user: User | None = None, actions: list | None = None
) -> dict[str, Any]:
    """A ticket as the crew app shows it; `actions` are the workflow's (available_actions) when known."""
    if actions is None:
        actions = _actions_for(ticket, user)
    return {
        "id": ticket.pk,
        "title": ticket.title,
        "description": ticket.description,
        "asset": str(ticket.asset) if ticket.asset_id else "",
        "zone": str(ticket.zone) if ticket.zone_id else "",
        "priority": ticket.priority,
        "priority_label": ticket.get_priority_display(),
        "state": ticket.state,
        "state_label": _with_state_labels([ticket])[0].state_label,
        "source": ticket.get_source_display(),
        "assignee": str(ticket.assignee) if ticket.assignee_id else "",
        "mine": bool(user is not None and ticket.assignee_id == user.pk),
        "resolution_due": ticket.resolution_due.isoformat() if ticket.resolution_due else None,
        "overdue": bool(ticket.resolution_due and ticket.resolution_due < now),
        "sla_status": ticket.sla_status,
        "estimated_cost": str(ticket.estimated_cost),
        "position": [float(ticket.latitude), float(ticket.longitude)] if ticket.latitude is not None else None,
        "actions": [_action_dict(a) for a in actions],
    }


def _actions_for(ticket: RepairTicket, user: User | None) -> list:
    if user is None:
        return []
    from scenic_ops.workflow import services as workflow

    return workflow.available_actions(ticket, user)


def _action_dict(action) -> dict[str, Any]:
    """A workflow action as a button: `verb` is what the app posts (crew/tickets/<id>/<verb>)."""
    return {
        "verb": repairs.VERB_OF_ACTION.get(action.action, action.action),
        "action": action.action,
        "label": action.label,
        "comment_required": action.comment_required,
    }


def crew_tickets(user: User, *, now: dt.datetime | None = None) -> list[tuple[RepairTicket, list]]:
    """The repair tickets waiting for `user`, as the approvals inbox has them: open tickets assigned to
    them, and every ticket on which the workflow lets them act now (to accept, approve, accept the work…),
    each with those actions; by priority, then by SLA due time."""
    from scenic_ops.workflow import registry
    from scenic_ops.workflow import selectors as workflow_inbox

    now = now or timezone.now()
    waiting = {
        item.document.pk: (item.document, item.actions)
        for item in workflow_inbox.inbox(user, document_type=registry.key_of(RepairTicket), now=now).items
    }
    assigned = RepairTicket.objects.filter(assignee=user).exclude(state__in=CLOSED_STATES).exclude(pk__in=list(waiting))
    rows = list(waiting.values()) + [(t, _actions_for(t, user)) for t in assigned.select_related("asset", "zone")]
    far = now + dt.timedelta(days=3650)
    rows.sort(key=lambda row: (PRIORITY_RANK.get(row[0].priority, 9), row[0].resolution_due or far, row[0].pk))
    return rows


def my_work_today(user: User, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's inspections in route order (the completed ones with their answers) and the repair
    tickets waiting for the user (`crew_tickets`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tasks = (
        InspectionTask.objects.filter(assignee=user)
        .filter(
            Q(day=today) | Q(day__lt=today, state__in=[InspectionTask.State.PENDING, InspectionTask.State.IN_PROGRESS])
        )
        .exclude(state=InspectionTask.State.MISSED)
        .select_related("plan", "plan__template", "completed_by")
        .prefetch_related(Prefetch("results", queryset=InspectionResult.objects.select_related("item", "answered_by")))
        .order_by("starts_at", "pk")
    )
    from scenic_ops.operations.models import DispatchCall

    calls = DispatchCall.objects.filter(user=user, state=DispatchCall.State.CALLING, expires_at__gte=now)
    return {
        "generated_at": now.isoformat(),
        "user": {"id": user.pk, "name": str(user)},
        "inspections": [task_dict(t, now) for t in tasks],
        "tickets": [ticket_dict(t, now, user, actions) for t, actions in crew_tickets(user, now=now)],
        "calls": [
            {
                "id": c.pk,
                "subject": str(c.ticket or c.alarm),
                "distance_m": c.distance_m,
                "expires_at": c.expires_at.isoformat(),
                "note": c.note,
            }
            for c in calls.select_related("ticket", "alarm")
        ],
    }


# --- inspection compliance ------------------------------------------------------------------


def compliance(start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per team (department): tasks due, done on time, done late, overdue now, missed."""
    now = now or timezone.now()
    rows = (
        InspectionTask.objects.filter(day__gte=start, day__lte=end)
        .values("department__name", "department__name_en")
        .annotate(
            total=Count("id"),
            on_time=Count("id", filter=Q(state=InspectionTask.State.DONE, completed_at__lte=F("due_at"))),
            late=Count("id", filter=Q(state=InspectionTask.State.DONE, completed_at__gt=F("due_at"))),
            overdue=Count(
                "id",
                filter=Q(state__in=[InspectionTask.State.PENDING, InspectionTask.State.IN_PROGRESS], due_at__lt=now),
            ),
            missed=Count("id", filter=Q(state=InspectionTask.State.MISSED)),
            failed_items=Sum("failed_items"),
        )
        .order_by("department__name")
    )
    out = []
    for row in rows:
        done = row["on_time"] + row["late"]
        out.append(
            {
                "team": row["department__name"] or _("(no team)"),
                "team_en": row["department__name_en"] or row["department__name"] or _("(no team)"),
                "total": row["total"],
                "done": done,
                "on_time": row["on_time"],
                "late": row["late"],
                "overdue": row["overdue"],
                "missed": row["missed"],
                "failed_items": row["failed_items"] or 0,
                "rate": round(100 * done / row["total"]) if row["total"] else 0,
            }
        )
    return out


# --- the park map ---------------------------------------------------------------------------

DEFAULT_BOUNDS = (31.2240, 120.4040, 31.2440, 120.4320)  # the demo site's map picture


def park_map() -> dict[str, Any]:
    from django.templatetags.static import static

    current = ParkMap.objects.filter(active=True).first()
    if current is not None:
        from django.urls import reverse

        return {
            "name": current.name,
            "url": reverse("operations:park-map-image", args=[current.pk]),
            "bounds": [[float(current.south), float(current.west)], [float(current.north), float(current.east)]],
        }
    s, w, n, e = DEFAULT_BOUNDS
    return {"name": _("Park map"), "url": static("operations/park-map.svg"), "bounds": [[s, w], [n, e]]}


def latest_positions(*, now: dt.datetime | None = None, fresh_hours: int = 12) -> list[dict[str, Any]]:
    now = now or timezone.now()
    trackers = Tracker.objects.filter(
        active=True, last_at__gte=now - dt.timedelta(hours=fresh_hours), last_latitude__isnull=False
    ).select_related("user", "asset")
    return [
        {
            "tracker": t.code,
            "name": t.name,
            "kind": t.kind,
            "user": t.user_id,
            "on_duty": t.on_duty,
            "latitude": float(t.last_latitude),
            "longitude": float(t.last_longitude),
            "accuracy_m": t.last_accuracy_m,
            "at": t.last_at.isoformat(),
            "age_minutes": int((now - t.last_at).total_seconds() // 60),
        }
        for t in trackers
    ]


def track(tracker: Tracker, day: dt.date) -> list[list[float]]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
    fixes = PositionFix.objects.filter(tracker=tracker, at__gte=start, at__lt=start + dt.timedelta(days=1)).order_by(
        "at"
    )
    return [[float(f.latitude), float(f.longitude), f.at.isoformat()] for f in fixes[:5000]]


def map_assets() -> list[dict[str, Any]]:
    open_alarms = defaultdict(int)
    for asset_id in Alarm.objects.exclude(state=Alarm.State.CLEARED).values_list("asset_id", flat=True):
        open_alarms[asset_id] += 1
    out = []
    for asset in Asset.objects.exclude(status=Asset.Status.RETIRED).select_related("zone", "parent", "category"):
        where = asset.position()
        if where is None or (asset.parent_id and asset.latitude is None):
            continue  # parts sit with their parent on the map
        out.append(
            {
                "code": asset.code,
                "name": asset.display_name,
                "kind": asset.category.kind,
                "status": asset.status,
                "alarms": open_alarms.get(asset.pk, 0),
                "latitude": where[0],
                "longitude": where[1],
                "link": f"/admin/operations/asset/{asset.pk}/change/",
            }
        )
    return out
