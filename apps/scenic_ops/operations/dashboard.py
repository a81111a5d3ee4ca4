"""Desk cards of the operations domain: open alarms, open tickets by state and SLA, today's
inspections, tickets opened and closed per day, MTTR by asset category."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards, daily_chart, day_label, day_labels, per_day
from scenic_ops.core.dbrouter import reporting_db

CLOSED = ("closed", "rejected")


@cards(permission="operations.view_alarm")
def alarm_cards(request, now: dt.datetime) -> list[Card]:
    from scenic_ops.operations.models import Alarm

    db = reporting_db()
    open_alarms = Alarm.objects.using(db).exclude(state=Alarm.State.CLEARED)
    critical = open_alarms.filter(severity="critical").count()
    total = open_alarms.count()
    return [
        Card(
            title=_("Open alarms"),
            kind="number",
            value=str(total),
            hint=_("{critical} critical, {unacknowledged} not acknowledged").format(
                critical=critical, unacknowledged=open_alarms.filter(state=Alarm.State.OPEN).count()
            ),
            order=6,
            width="third",
            link="/admin/operations/alarm/",
        )
    ]


@cards(permission="operations.view_repairticket")
def repair_cards(request, now: dt.datetime) -> list[Card]:
    from scenic_ops.operations.models import RepairTicket

    db = reporting_db()
    tickets = RepairTicket.objects.using(db)
    open_tickets = tickets.exclude(state__in=CLOSED)
    overdue = open_tickets.filter(resolution_due__lt=now).count()
    states = list(open_tickets.values("state").annotate(n=Count("id")).order_by("-n"))
    priorities = ["urgent", "high", "normal", "low"]
    by_priority = dict(open_tickets.values_list("priority").annotate(n=Count("id")))
    days = day_labels(14, now)
    opened = per_day(tickets, "created_at", 14, now, n=Count("id"))
    closed = per_day(tickets.filter(state="closed"), "verified_at", 14, now, n=Count("id"))
    labels = dict(RepairTicket._meta.get_field("priority").choices)
    return [
        Card(
            title=_("Open repair tickets"),
            kind="number",
            value=str(open_tickets.count()),
            hint=_("{overdue} past their SLA").format(overdue=overdue),
            order=7,
            width="third",
            link="/admin/operations/repairticket/?open=1",
        ),
        Card(
            title=_("Open tickets by state"),
            chart_type="bar",
            labels=[_state_label(row["state"]) for row in states],
            datasets=[{"name": _("Repair tickets"), "values": [row["n"] for row in states]}],
            order=50,
            link="/admin/operations/repairticket/?open=1",
        ),
        Card(
            title=_("Open tickets by priority"),
            chart_type="percentage",
            labels=[str(labels[p]) for p in priorities],
            datasets=[{"name": _("Repair tickets"), "values": [by_priority.get(p, 0) for p in priorities]}],
            colors=["#dc2626", "#f59e0b", "#0ea5e9", "#9ca3af"],
            order=51,
            link="/admin/operations/repairticket/?open=1",
        ),
        Card(
            title=_("Repair tickets opened and closed per day"),
            chart_type="line",
            labels=[day_label(d) for d in days],
            datasets=[
                {"name": _("Tickets opened"), "values": [opened.get(d, {}).get("n", 0) for d in days]},
                {"name": _("Tickets closed"), "values": [closed.get(d, {}).get("n", 0) for d in days]},
            ],
            colors=["#f59e0b", "#10b981"],
            order=52,
            link="/admin/operations/repairticket/",
        ),
        _mttr_card(tickets, now),
    ]


def _state_label(code: str) -> str:
    from scenic_ops.workflow import services as workflow

    flow = workflow.active_workflow("operations.repairticket")
    return flow.label_of(code) if flow else code


def _mttr_card(tickets, now: dt.datetime) -> Card:
    since = now - dt.timedelta(days=90)
    hours: dict[str, list[float]] = defaultdict(list)
    rows = tickets.filter(restored_at__gte=since, asset__isnull=False).values_list(
        "asset__category__name", "asset__category__name_en", "failure_at", "restored_at"
    )
    english = (get_language() or "").startswith("en")
    for name, name_en, failed, restored in rows:
        if restored >= failed:
            hours[(name_en or name) if english else name].append((restored - failed).total_seconds() / 3600)
    names = sorted(hours)
    return Card(
        title=_("Mean time to repair by asset category (90 days, hours)"),
        chart_type="bar",
        labels=names,
        datasets=[{"name": _("MTTR (h)"), "values": [round(sum(hours[n]) / len(hours[n]), 1) for n in names]}],
        colors=["#7c3aed"],
        order=53,
        link="/admin/operations/asset/",
    )


@cards(permission="operations.view_inspectiontask")
def inspection_cards(request, now: dt.datetime) -> list[Card]:
    from scenic_ops.operations.models import InspectionTask

    db = reporting_db()
    today = timezone.localdate(now)
    tasks = InspectionTask.objects.using(db).filter(day=today)
    done = tasks.filter(state="done").count()
    overdue = tasks.filter(state__in=["pending", "in_progress"], due_at__lt=now).count()
    total = tasks.count()
    days = day_labels(14, now)
    week = (
        InspectionTask.objects.using(db)
        .filter(day__gte=days[0], day__lte=today)
        .values("day")
        .annotate(
            done=Count("id", filter=Q(state="done")),
            missed=Count("id", filter=Q(state="missed")),
            failed=Count("id", filter=Q(failed_items__gt=0)),
        )
    )
    by_day = {row["day"]: row for row in week}
    return [
        Card(
            title=_("Inspections today"),
            kind="number",
            value=f"{done} / {total}",
            hint=_("{overdue} overdue").format(overdue=overdue),
            order=8,
            width="third",
            link="/admin/operations/inspectioncompliance/",
        ),
        daily_chart(
            _("Inspections per day"),
            days,
            by_day,
            {"done": _("Done"), "missed": _("Not done"), "failed": _("With failed items")},
            chart_type="bar",
            colors=["#10b981", "#6b7280", "#ef4444"],
            order=54,
            link="/admin/operations/inspectioncompliance/",
        ),
    ]
