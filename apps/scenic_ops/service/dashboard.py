"""Desk home cards of the service domain."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards, daily_chart, day_labels, per_day
from scenic_ops.core.dbrouter import reporting_db
from scenic_ops.service.models import Complaint, Incident, Mention


@cards(permission="service.view_complaint")
def _complaint_cards(request, now: dt.datetime) -> list[Card]:
    db = reporting_db()
    days = day_labels(14, now)
    data = per_day(
        Complaint.objects.using(db), "received_at", 14, now, n=Count("id"), closed=Count("id", filter=Q(state="closed"))
    )
    open_count = Complaint.objects.using(db).exclude(state__in=["closed", "replied"]).count()
    return [
        Card(
            title=_("Open complaints"),
            kind="number",
            value=str(open_count),
            order=40,
            width="third",
            link="/admin/service/complaint/?queue=open",
        ),
        daily_chart(
            _("Complaints per day"),
            days,
            data,
            {"n": _("Received")},
            chart_type="bar",
            order=41,
            link="/admin/service/complaintanalytics/",
        ),
    ]


@cards(permission="service.view_commandpost")
def _incident_cards(request, now: dt.datetime) -> list[Card]:
    n = Incident.objects.using(reporting_db()).filter(state__in=["open", "contained"], is_drill=False).count()
    return [
        Card(
            title=_("Open incidents"),
            kind="number",
            value=str(n),
            order=3,
            width="third",
            link="/admin/service/commandpost/",
        )
    ]


@cards(permission="service.view_opiniondashboard")
def _opinion_cards(request, now: dt.datetime) -> list[Card]:
    days = day_labels(14, now)
    data = per_day(
        Mention.objects.using(reporting_db()),
        "published_at",
        14,
        now,
        neg=Count("id", filter=Q(sentiment_label="negative")),
        pos=Count("id", filter=Q(sentiment_label="positive")),
    )
    return [
        daily_chart(
            _("Public opinion"),
            days,
            data,
            {"neg": _("Negative"), "pos": _("Positive")},
            chart_type="bar",
            colors=["#ef4444", "#10b981"],
            order=42,
            link="/admin/service/opiniondashboard/",
        )
    ]
