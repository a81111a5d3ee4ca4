"""Reports to provincial (or city) tourism platforms: real-time every N minutes, daily after
midnight, and at once on a warning-level change. Each report is a signed JSON POST through
the outbox (retried with back-off, dead letters visible in the desk); the report row keeps
the payload and links the delivery, so the desk shows every report and its answer.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from scenic_ops.core import outbox, pii
from scenic_ops.flow import selectors
from scenic_ops.flow.models import DailyFlow, LevelChange, LevelState, ProvincialReport, ReportingEndpoint
from scenic_ops.flow.models.counts import SITE_KEY
from scenic_ops.flow.models.levels import LEVEL_CODES

SECRET_CONTEXT = "flow-reporting"
SCHEMA = "scenic-ops/flow-report/1"


def set_secret(endpoint: ReportingEndpoint, secret: str) -> None:
    endpoint.secret_enc = pii.encrypt(secret, context=SECRET_CONTEXT) if secret else None


def _site(endpoint: ReportingEndpoint) -> dict:
    from scenic_ops.core.services import site_profile

    profile = site_profile()
    return {"site_code": endpoint.site_code, "site_name": profile.name, "grade": profile.grade}


def realtime_payload(endpoint: ReportingEndpoint, now: dt.datetime) -> dict:
    status = selectors.compute_status(now)
    return {
        "schema": SCHEMA,
        "kind": "realtime",
        **_site(endpoint),
        "time": timezone.localtime(now).isoformat(timespec="seconds"),
        "in_park": status["in_park"],
        "entries_today": status["entries_today"],
        "exits_today": status["exits_today"],
        "capacity_instant": status["capacity"]["instant"],
        "capacity_daily": status["capacity"]["daily"],
        "load_percent": status["load_percent"],
        "warning_level": status["level"]["code"],
        "sales_halted": status["sales_halted"],
        "booked_today": _booked(timezone.localdate(now)),
        "parking": [{"code": p["code"], "spaces": p["spaces"], "free": p["free"]} for p in status["parking"]],
        "spots": [{"code": z["code"], "count": z["count"], "capacity": z["capacity"]} for z in status["zones"]],
    }


def daily_payload(endpoint: ReportingEndpoint, day: dt.date) -> dict:
    from scenic_ops.core.services import site_profile
    from scenic_ops.flow.services import rollup

    record = DailyFlow.objects.filter(day=day).first() or rollup.roll_up(day)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    top = (
        LevelChange.objects.filter(scope_key=SITE_KEY, at__gte=start, at__lt=start + dt.timedelta(days=1)).aggregate(
            m=Max("to_level")
        )["m"]
        or 0
    )
    return {
        "schema": SCHEMA,
        "kind": "daily",
        **_site(endpoint),
        "date": day.isoformat(),
        "entries": record.entries,
        "exits": record.exits,
        "peak_in_park": record.peak_in_park,
        "booked": record.booked if record.booked is not None else _booked(day),
        "capacity_daily": site_profile().max_daily_capacity,
        "highest_warning_level": LEVEL_CODES[top],
    }


def _booked(day: dt.date) -> int | None:
    from scenic_ops.flow.services.forecasts import booked_per_day

    return booked_per_day(day, day).get(day)


def send(
    endpoint: ReportingEndpoint, kind: str, period: str, payload: dict, *, now: dt.datetime
) -> ProvincialReport | None:
    """Queue one report; a second call for the same endpoint, kind and period does nothing."""
    body = dict(payload)
    if endpoint.secret_enc:
        body["_signing_secret"] = pii.decrypt(endpoint.secret_enc, context=SECRET_CONTEXT)
    try:
        with transaction.atomic():
            report = ProvincialReport.objects.create(
                endpoint=endpoint, kind=kind, period=period, payload=payload, created_at=now
            )
            report.message = outbox.enqueue(
                "webhook",
                endpoint.url,
                payload=body,
                subject=f"{kind} {period}",
                dedupe_key=f"flow:report:{endpoint.pk}:{kind}:{period}",
                source=f"flow:report:{report.pk}",
            )
            report.save(update_fields=["message"])
    except IntegrityError:
        return None
    return report


def realtime_period(now: dt.datetime, minutes: int) -> str:
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    local = local.replace(minute=local.minute - local.minute % minutes) if minutes < 60 else local.replace(minute=0)
    return local.isoformat(timespec="minutes")


def report_realtime(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for endpoint in ReportingEndpoint.objects.filter(enabled=True, realtime_minutes__gt=0):
        period = realtime_period(now, endpoint.realtime_minutes)
        if ProvincialReport.objects.filter(
            endpoint=endpoint, kind=ProvincialReport.Kind.REALTIME, period=period
        ).exists():
            continue
        if send(endpoint, ProvincialReport.Kind.REALTIME, period, realtime_payload(endpoint, now), now=now):
            ReportingEndpoint.objects.filter(pk=endpoint.pk).update(last_realtime_at=now)
            sent += 1
    return sent


def report_daily(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=1)
    sent = 0
    for endpoint in ReportingEndpoint.objects.filter(enabled=True, daily=True):
        if send(endpoint, ProvincialReport.Kind.DAILY, day.isoformat(), daily_payload(endpoint, day), now=now):
            ReportingEndpoint.objects.filter(pk=endpoint.pk).update(last_daily_for=day)
            sent += 1
    return sent


def report_level_change(change: LevelChange, *, now: dt.datetime) -> int:
    sent = 0
    state = LevelState.objects.filter(scope_key=SITE_KEY).first()
    for endpoint in ReportingEndpoint.objects.filter(enabled=True):
        payload = {
            "schema": SCHEMA,
            "kind": "level",
            **_site(endpoint),
            "time": timezone.localtime(change.at).isoformat(timespec="seconds"),
            "spot": change.zone.code if change.zone else None,
            "from_level": LEVEL_CODES[change.from_level],
            "to_level": LEVEL_CODES[change.to_level],
            "count": change.count,
            "capacity": change.capacity,
            "load_percent": float(change.load_percent),
            "cause": change.cause,
            "site_level": LEVEL_CODES[state.level] if state else "normal",
        }
        sent += send(endpoint, ProvincialReport.Kind.LEVEL, f"change-{change.pk}", payload, now=now) is not None
    return sent
