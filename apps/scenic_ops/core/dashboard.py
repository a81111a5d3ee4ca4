"""The desk's home page: cards contributed by every domain (`<domain>/dashboard.py`).

A domain registers a function `(request, now) -> list[Card]`; cards whose permission the
user lacks are not shown. Charts are drawn with frappe-charts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.dbrouter import reporting_db


@dataclass
class Card:
    title: str
    kind: str = "chart"  # chart | number
    chart_type: str = "bar"  # bar | line | pie | percentage | donut
    labels: list[str] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    value: str = ""
    hint: str = ""
    link: str = ""
    order: int = 100
    width: str = "half"  # half | full | third
    colors: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


@dataclass(frozen=True)
class Provider:
    func: Callable[[Any, datetime], list[Card]]
    permission: str | None


_providers: list[Provider] = []


def cards(permission: str | None = None):
    """Decorator for a domain's card provider, shown to users holding `permission`."""

    def register(func):
        _providers.append(Provider(func, permission))
        return func

    return register


def collect(request, now: datetime | None = None) -> list[Card]:
    now = now or timezone.now()
    out: list[Card] = []
    for provider in _providers:
        if provider.permission and not request.user.has_perm(provider.permission):
            continue
        out.extend(provider.func(request, now))
    return sorted(out, key=lambda c: c.order)


def day_labels(days: int, now: datetime) -> list[date]:
    today = timezone.localdate(now)
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def day_label(day: date) -> str:
    """Short axis labels that fit 14 days in half a card: the day, with the month on the 1st."""
    return day.strftime("%-m/%-d") if day.day == 1 else str(day.day)


def per_day(queryset, field_name: str, days: int, now: datetime, **aggregates) -> dict[date, dict[str, int]]:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    rows = (
        queryset.filter(**{f"{field_name}__gte": start})
        .annotate(day=TruncDate(field_name))
        .values("day")
        .annotate(**aggregates)
        .order_by("day")
    )
    return {row["day"]: row for row in rows}


def daily_chart(
    title: str, days: list[date], data: dict[date, dict[str, int]], series: dict[str, str], **fields
) -> Card:
    """A chart card over `days` (from `day_labels`): one dataset per `series` entry, its key in the rows of
    `data` (as `per_day` returns them) mapped to the dataset's name; a day without a row counts 0."""
    return Card(
        title=title,
        labels=[day_label(d) for d in days],
        datasets=[
            {"name": name, "values": [data.get(d, {}).get(key, 0) for d in days]} for key, name in series.items()
        ],
        **fields,
    )


def dashboard_callback(request, context: dict[str, Any]) -> dict[str, Any]:
    context["scenic_cards"] = collect(request)
    return context


def environment_callback(request) -> list[str]:
    name = settings.SITE_NAME
    return [name, "warning" if settings.DEBUG else "info"]


@cards(permission="core.view_user")
def _people_cards(request, now: datetime) -> list[Card]:
    from django.contrib.auth.models import Group

    db = reporting_db()
    groups = Group.objects.using(db).annotate(n=Count("user", filter=Q(user__is_active=True))).order_by("name")
    return [
        Card(
            title=_("Staff by role"),
            chart_type="bar",
            labels=[g.name for g in groups],
            datasets=[{"name": _("Staff"), "values": [g.n for g in groups]}],
            order=10,
            width="full",
            link="/admin/core/user/",
        )
    ]


@cards(permission="core.view_auditevent")
def _audit_cards(request, now: datetime) -> list[Card]:
    from scenic_ops.core.models import AuditEvent

    days = day_labels(14, now)
    data = per_day(
        AuditEvent.objects.using(reporting_db()),
        "at",
        14,
        now,
        n=Count("id"),
        denied=Count("id", filter=Q(action__in=["permission_denied", "login_failed", "locked_out"])),
    )
    return [
        daily_chart(
            _("Audit events per day"),
            days,
            data,
            {"n": _("All events"), "denied": _("Security events")},
            chart_type="line",
            order=20,
            link="/admin/core/auditevent/",
        )
    ]


@cards(permission="core.view_jobrun")
def _job_cards(request, now: datetime) -> list[Card]:
    from scenic_ops.core.models import JobRun, OutboxMessage, SystemAlert

    db = reporting_db()
    days = day_labels(14, now)
    data = per_day(
        JobRun.objects.using(db),
        "queued_at",
        14,
        now,
        ok=Count("id", filter=Q(status=JobRun.Status.SUCCESS)),
        failed=Count("id", filter=Q(status=JobRun.Status.FAILED)),
    )
    open_alerts = SystemAlert.objects.using(db).filter(cleared_at__isnull=True).count()
    dead = OutboxMessage.objects.using(db).filter(status=OutboxMessage.Status.DEAD).count()
    return [
        Card(
            title=_("Open system alerts"),
            kind="number",
            value=str(open_alerts),
            order=1,
            width="third",
            link="/admin/core/systemalert/?cleared_at__isnull=True",
        ),
        Card(
            title=_("Dead letters"),
            kind="number",
            value=str(dead),
            order=2,
            width="third",
            link="/admin/core/outboxmessage/?status__exact=dead",
        ),
        daily_chart(
            _("Job runs and failures"),
            days,
            data,
            {"ok": _("Succeeded"), "failed": _("Failed")},
            chart_type="bar",
            colors=["#10b981", "#ef4444"],
            order=30,
            link="/admin/core/jobrun/",
        ),
    ]
