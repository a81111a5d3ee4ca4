"""Reads for the desk pages, dashboard cards and analytics of the service domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from scenic_ops.core.dashboard import Card, day_label, day_labels
from scenic_ops.core.dbrouter import reporting_db
from scenic_ops.core.models import Zone
from scenic_ops.service.models import (
    Complaint,
    DispatchOrder,
    EnergyDay,
    Incident,
    IncidentTask,
    Mention,
    ResourcePool,
    ServiceAlert,
)

OPEN_TASK = [IncidentTask.State.PENDING, IncidentTask.State.ACKNOWLEDGED]


def _since(days: int, now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days - 1)


def complaint_analytics(days: int = 30, now: dt.datetime | None = None) -> dict[str, Any]:
    """Volume by category and zone, SLA compliance, ratings, repeat issues."""
    from scenic_ops.workflow.selectors import sla_summary

    now = now or timezone.now()
    db = reporting_db()
    since = _since(days, now)
    qs = Complaint.objects.using(db).filter(received_at__gte=since)
    by_category = list(qs.values("category__name", "category__name_en").annotate(n=Count("id")).order_by("-n"))
    by_zone = list(qs.exclude(zone=None).values("zone__name").annotate(n=Count("id")).order_by("-n")[:10])
    by_channel = list(qs.values("channel").annotate(n=Count("id")).order_by("-n"))
    sla = sla_summary(Complaint, list(qs.values_list("pk", flat=True)), using=db)
    finished = sla["met"] + sla["missed"]
    ratings = qs.exclude(rating=None).aggregate(avg=Avg("rating"), n=Count("id"))
    # repeat issues: the same category at the same place three times or more in the period
    repeats = list(
        qs.exclude(category=None)
        .exclude(zone=None)
        .values("category__name", "zone__name")
        .annotate(n=Count("id"))
        .filter(n__gte=3)
        .order_by("-n")[:10]
    )
    repeat_callers = qs.exclude(phone_index="").values("phone_index").annotate(n=Count("id")).filter(n__gte=2).count()
    daily = {
        row["day"]: row["n"]
        for row in qs.annotate(day=TruncDate("received_at")).values("day").annotate(n=Count("id")).order_by()
    }
    labels = day_labels(days, now)
    return {
        "total": qs.count(),
        "by_category": by_category,
        "by_zone": by_zone,
        "by_channel": [
            {"channel": dict(Complaint.Channel.choices).get(r["channel"], r["channel"]), "n": r["n"]}
            for r in by_channel
        ],
        "sla": {**sla, "compliance": round(sla["met"] * 100 / finished, 1) if finished else None},
        "rating": {"avg": round(ratings["avg"], 2) if ratings["avg"] else None, "n": ratings["n"]},
        "repeats": repeats,
        "repeat_callers": repeat_callers,
        "days": [day_label(d) for d in labels],
        "per_day": [daily.get(d, 0) for d in labels],
    }


def opinion_analytics(days: int = 30, now: dt.datetime | None = None) -> dict[str, Any]:
    from scenic_ops.service.opinion import top_keywords

    now = now or timezone.now()
    db = reporting_db()
    since = _since(days, now)
    qs = Mention.objects.using(db).filter(published_at__gte=since)
    rows = (
        qs.annotate(day=TruncDate("published_at"))
        .values("day")
        .annotate(
            n=Count("id"),
            neg=Count("id", filter=Q(sentiment_label="negative")),
            pos=Count("id", filter=Q(sentiment_label="positive")),
            score=Avg("sentiment"),
        )
        .order_by()
    )
    per_day = {r["day"]: r for r in rows}
    labels = day_labels(days, now)
    negative = qs.filter(sentiment_label="negative")
    topics: dict[str, int] = {}
    for found in negative.values_list("topics", flat=True)[:5000]:
        for topic in found or []:
            topics[topic] = topics.get(topic, 0) + 1
    return {
        "total": qs.count(),
        "negative": negative.count(),
        "days": [day_label(d) for d in labels],
        "neg": [per_day.get(d, {}).get("neg", 0) for d in labels],
        "pos": [per_day.get(d, {}).get("pos", 0) for d in labels],
        "score": [round((per_day.get(d, {}).get("score") or 0) * 100) for d in labels],
        "topics": sorted(topics.items(), key=lambda kv: -kv[1])[:10],
        "keywords": top_keywords(negative, limit=15),
        "recent_negative": list(negative.order_by("-published_at")[:15]),
        "alerts": list(ServiceAlert.objects.using(db).filter(kind="opinion_spike").order_by("-raised_at")[:5]),
        "by_source": list(
            qs.values("source")
            .annotate(n=Count("id"), neg=Count("id", filter=Q(sentiment_label="negative")))
            .order_by("-n")[:8]
        ),
    }


def topic_label(code: str) -> str:
    from django.utils.translation import gettext

    labels = {
        "tickets": gettext("tickets"),
        "queues": gettext("queues"),
        "service": gettext("service"),
        "sanitation": gettext("cleanliness"),
        "prices": gettext("prices"),
        "transport": gettext("transport"),
        "facilities": gettext("facilities"),
        "safety": gettext("safety"),
        "scenery": gettext("scenery"),
        "food": gettext("food"),
    }
    return labels.get(code, code)


def marker(incident: Incident, zones: list[dict[str, Any]], link: bool = True) -> dict[str, Any]:
    """An incident on the map: where it was reported, else its zone, else (site-wide) the middle of the zones."""
    if incident.latitude is not None and incident.longitude is not None:
        lat, lng, approx = float(incident.latitude), float(incident.longitude), False
    elif zones:
        lat = sum(z["lat"] for z in zones) / len(zones)
        lng = sum(z["lng"] for z in zones) / len(zones)
        approx = True
    else:
        lat, lng, approx = 31.23, 120.42, True
    return {
        "code": incident.code,
        "title": incident.title,
        "type": str(incident.type),
        "level": incident.level,
        "drill": incident.is_drill,
        "approx": approx,
        "lat": lat,
        "lng": lng,
        "link": f"/admin/service/commandpost/{incident.pk}/" if link else "",
    }


def command_data() -> dict[str, Any]:
    """Open incidents with plan progress, and the map's markers."""
    incidents = list(
        Incident.objects.filter(state__in=["open", "contained"])
        .select_related("type", "zone", "commander", "plan")
        .annotate(
            tasks_total=Count("tasks", distinct=True),
            tasks_done=Count("tasks", filter=Q(tasks__state__in=["done", "skipped"]), distinct=True),
            tasks_pending=Count("tasks", filter=Q(tasks__state="pending"), distinct=True),
        )
        .order_by("level", "-raised_at")
    )
    zones = [
        {"code": z.code, "name": str(z), "lat": float(z.latitude), "lng": float(z.longitude)}
        for z in Zone.objects.filter(active=True, latitude__isnull=False, longitude__isnull=False)
    ]
    markers = [marker(i, zones) for i in incidents]
    return {"incidents": incidents, "map": {"incidents": markers, "zones": zones}}


def dispatch_board() -> dict[str, Any]:
    columns = [
        ("requested", _("Requested")),
        ("manager_review", _("Awaiting the manager")),
        ("approved", _("Approved")),
        ("en_route", _("En route")),
        ("on_site", _("On site")),
    ]
    orders = DispatchOrder.objects.filter(state__in=[c for c, _l in columns]).select_related("pool", "zone", "material")
    by_state: dict[str, list] = {c: [] for c, _l in columns}
    for order in orders.order_by("-priority", "requested_at"):
        by_state[order.state].append(order)
    return {
        "columns": [{"state": c, "label": label, "orders": by_state[c]} for c, label in columns],
        "pools": list(ResourcePool.objects.filter(active=True)),
    }


def energy_series(days: int = 30, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    labels = day_labels(days, now)
    out = []
    rows = EnergyDay.objects.using(reporting_db()).filter(day__gte=labels[0]).select_related("meter")
    meters: dict[int, dict] = {}
    for row in rows:
        entry = meters.setdefault(row.meter_id, {"meter": row.meter, "days": {}})
        entry["days"][row.day] = row
    for entry in meters.values():
        values = [float(entry["days"][d].consumption) if d in entry["days"] else 0 for d in labels]
        usual = [float(entry["days"][d].baseline or 0) if d in entry["days"] else 0 for d in labels]
        anomalies = [d.isoformat() for d in labels if d in entry["days"] and entry["days"][d].anomaly]
        card = Card(
            title=f"{entry['meter']} ({entry['meter'].unit})",
            chart_type="line",
            labels=[day_label(d) for d in labels],
            datasets=[{"name": pgettext("materials", "Used"), "values": values}, {"name": _("Usual"), "values": usual}],
            colors=["#0f766e", "#94a3b8"],
        )
        out.append({"meter": entry["meter"], "card": card, "anomalies": anomalies})
    return out
