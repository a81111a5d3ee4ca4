"""Desk home cards of the workflow domain."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards, day_labels, per_day
from scenic_ops.core.dbrouter import reporting_db


@cards()
def _my_cards(request, now: datetime) -> list[Card]:
    from scenic_ops.workflow import selectors
    from scenic_ops.workflow.services import notifications

    if not request.user.is_staff:
        return []
    return [
        Card(
            title=_("Waiting for my approval"),
            kind="number",
            value=str(selectors.pending_count(request.user, now=now)),
            order=0,
            width="third",
            link=reverse("workflow-inbox"),
        ),
        Card(
            title=_("Unread notifications"),
            kind="number",
            value=str(notifications.unread_count(request.user)),
            order=0,
            width="third",
            link=reverse("workflow-notifications"),
        ),
    ]


@cards(permission="workflow.view_documenttrack")
def _work_cards(request, now: datetime) -> list[Card]:
    from scenic_ops.workflow.models import ApprovalEntry, DocumentTrack

    db = reporting_db()
    open_tracks = DocumentTrack.objects.using(db).filter(is_open=True)
    counts = open_tracks.aggregate(
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        breached=Count("id", filter=Q(sla_status="breached")),
    )
    days = day_labels(14, now)
    data = per_day(
        ApprovalEntry.objects.using(db).filter(kind=ApprovalEntry.Kind.TRANSITION),
        "at",
        14,
        now,
        moved=Count("id", filter=~Q(action__in=["reject", "return"])),
        rejected=Count("id", filter=Q(action__in=["reject", "return"])),
    )
    return [
        Card(
            title=_("Unassigned open documents"),
            kind="number",
            value=str(counts["unassigned"]),
            order=3,
            width="third",
            link="/admin/workflow/documenttrack/?is_open__exact=1&assigned=no",
        ),
        Card(
            title=_("SLA breached (open)"),
            kind="number",
            value=str(counts["breached"]),
            order=4,
            width="third",
            link="/admin/workflow/documenttrack/?is_open__exact=1&sla_status__exact=breached",
        ),
        Card(
            title=_("Workflow actions per day"),
            chart_type="bar",
            labels=[d.strftime("%m-%d") for d in days],
            datasets=[
                {"name": _("Approved or moved on"), "values": [data.get(d, {}).get("moved", 0) for d in days]},
                {"name": _("Rejected or returned"), "values": [data.get(d, {}).get("rejected", 0) for d in days]},
            ],
            colors=["#10b981", "#ef4444"],
            order=40,
            link="/admin/workflow/approvalentry/",
        ),
    ]
