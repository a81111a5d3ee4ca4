"""Issuing forecasts: daily arrivals for today and the next 14 days, the hourly profile of
today and tomorrow, and early warnings for days forecast above the warning share of capacity.

The daily model is in forecasting.py. Bookings already made are a floor: a day cannot be
forecast below the admissions booked for it (times the show-up rate), and today not below
the entries counted so far.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import CalendarDay
from scenic_ops.flow import live, selectors
from scenic_ops.flow.forecasting import (
    DailyModel,
    HolidayCalendar,
    hourly_profile,
    seasonal_naive,
)
from scenic_ops.flow.models import DailyFlow, FlowCount, Forecast, ForecastWarning, ParkingLot, WarningPolicy
from scenic_ops.flow.models.counts import SITE_KEY
from scenic_ops.flow.models.levels import LEVEL_CODES

log = logging.getLogger(__name__)
HORIZON = 14
SHOW_UP_RATE = 0.95


def _setting(key: str, default):
    return settings.SITE.get("flow", key, default)


def school_holidays() -> tuple:
    """From the site config `[flow] school_holidays = ["07-10:08-31", "01-20:02-20"]`."""
    spans = _setting("school_holidays", ["07-10:08-31", "01-20:02-20"])
    out = []
    for span in spans:
        start, end = span.split(":")
        out.append((tuple(int(p) for p in start.split("-")), tuple(int(p) for p in end.split("-"))))
    return tuple(out)


def holiday_calendar() -> HolidayCalendar:
    rows = CalendarDay.objects.values_list("date", "kind", "name")
    return HolidayCalendar.from_rows(rows, school_holidays=school_holidays())


def history(until: dt.date) -> dict[dt.date, float]:
    rows = DailyFlow.objects.filter(day__lte=until, closed=False).values_list("day", "entries")
    return {day: float(entries) for day, entries in rows}


def hourly_history(since: dt.date, until: dt.date) -> dict[tuple[dt.date, int], float]:
    rows = (
        FlowCount.objects.filter(zone_key=SITE_KEY, day__gte=since, day__lte=until)
        .values_list("day", "hour")
        .annotate(e=Sum("entries"))
        .order_by()
    )
    return {(day, hour): float(entries or 0) for day, hour, entries in rows}


def booked_per_day(start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Admissions booked per day, from ticketing's selector when it offers one (see docs/DEVELOPING.md)."""
    try:
        from scenic_ops.ticketing import selectors as ticketing
    except ImportError:
        return {}
    reader = getattr(ticketing, "booked_per_day", None)
    if reader is None:
        return {}
    try:
        return dict(reader(start, end))
    except Exception:  # noqa: BLE001 - a forecast must not fail because bookings could not be read
        log.warning("flow: could not read bookings from ticketing", exc_info=True)
        return {}


def profiles(today: dt.date, cal: HolidayCalendar | None = None) -> dict[int, list[float]]:
    """Hourly arrival shares per day type (0 working day, 1 weekend, 2 holiday), cached for an hour."""
    key = f"flow:profiles:{today.isoformat()}"
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001
        cached = None
    if cached is not None:
        return cached
    from scenic_ops.flow.forecasting import by_day

    cal = cal or holiday_calendar()
    days = by_day(hourly_history(today - dt.timedelta(weeks=104), today - dt.timedelta(days=1)))
    out = {kind: hourly_profile(days, cal, kind, until=today - dt.timedelta(days=1)) for kind in (0, 1, 2)}
    try:
        cache.set(key, out, 3600)
    except Exception:  # noqa: BLE001
        pass
    return out


@transaction.atomic
def issue(*, now: dt.datetime | None = None) -> list[Forecast]:
    """Forecast today and the next 14 days; store them (one issue per day, refreshed) and raise warnings."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cal = holiday_calendar()
    series = history(today - dt.timedelta(days=1))
    days = [today + dt.timedelta(days=i) for i in range(HORIZON + 1)]
    try:
        model = DailyModel().fit(series, cal)
        predictions = model.predict(days, history=series)
        name = model.name
    except ValueError:
        predictions, name = {}, "seasonal-naive"
        last = today - dt.timedelta(days=1)
        for day in days:
            value = seasonal_naive(series, last, day)
            predictions[day] = (value or 0.0, value or 0.0)
    booked = booked_per_day(today, days[-1])
    entries_today = max(0, selectors.counts(today).get(SITE_KEY, {"entries": 0})["entries"])
    issued = []
    for day in days:
        predicted, high = predictions[day]
        floor = booked.get(day, 0) * SHOW_UP_RATE
        if day == today:
            floor = max(floor, entries_today)
        predicted = max(predicted, floor)
        forecast, _ = Forecast.objects.update_or_create(
            day=day,
            issued_on=today,
            defaults={
                "horizon": (day - today).days,
                "predicted": round(predicted),
                "high": round(max(high, predicted)),
                "booked": booked.get(day, 0),
                "model": name,
                "issued_at": now,
            },
        )
        issued.append(forecast)
    raise_warnings(issued, now=now)
    transaction.on_commit(lambda: forget_outlook(today))
    live.changed(evaluate=False)
    return issued


def raise_warnings(forecasts: list[Forecast], *, now: dt.datetime) -> list[ForecastWarning]:
    """Days forecast above `[flow] forecast_warning_percent` (default 90) of the capacity open for sale."""
    from scenic_ops.core.services import site_profile
    from scenic_ops.flow.services.levels import notify_roles, site_policy

    profile = site_profile()
    capacity = profile.open_daily_capacity
    threshold = float(_setting("forecast_warning_percent", 90))
    ahead = int(_setting("forecast_warning_days", HORIZON))
    today = timezone.localdate(now)
    raised = []
    if not capacity:
        return raised
    for forecast in forecasts:
        if not today < forecast.day <= today + dt.timedelta(days=ahead):
            continue
        load = round(100.0 * forecast.predicted / capacity, 1)
        warning = ForecastWarning.objects.filter(day=forecast.day).first()
        if load <= threshold:
            if warning is not None and warning.active:
                warning.active, warning.updated_at = False, now
                warning.save(update_fields=["active", "updated_at"])
            continue
        newly = warning is None or not warning.active
        warning = warning or ForecastWarning(day=forecast.day, raised_at=now)
        warning.predicted, warning.capacity, warning.load_percent = forecast.predicted, capacity, load
        warning.suggestion = suggestion(forecast, capacity, load, profile)
        warning.active, warning.updated_at = True, now
        warning.save()
        raised.append(warning)
        if newly:
            policy = site_policy()
            subject = _("Forecast: {day} at {load} of capacity").format(day=forecast.day.isoformat(), load=f"{load} %")
            notify_roles(
                policy.notify_roles or [], subject, warning.suggestion, key=f"flow:forecast:{forecast.day}:{now:%Y%m%d}"
            )
    return raised


def suggestion(forecast: Forecast, capacity: int, load: float, profile) -> str:
    parts = [
        _(
            "{visitors} visitors forecast for {day} ({days} days ahead): {load} of the {capacity} places open for sale."
        ).format(
            visitors=forecast.predicted,
            day=forecast.day.isoformat(),
            days=forecast.horizon,
            load=f"{load} %",
            capacity=capacity,
        )
    ]
    if profile.open_ratio_percent < 100 and profile.max_daily_capacity > capacity:
        parts.append(
            _("Consider raising that day's slot limits towards the approved daily capacity of {max}.").format(
                max=profile.max_daily_capacity
            )
        )
    else:
        parts.append(_("The day is near the approved capacity: plan entry control and announce it early."))
    overflow = [lot.zone.name for lot in ParkingLot.objects.select_related("zone").filter(overflow=True)]
    if overflow:
        parts.append(_("Open the overflow car parks: {names}.").format(names=", ".join(overflow)))
    parts.append(
        _("Add staff at the entrances and shuttle buses; publish the forecast so visitors can choose another day.")
    )
    return " ".join(parts)


def forget_outlook(day: dt.date) -> None:
    try:
        cache.delete(f"flow:outlook:{day.isoformat()}")
    except Exception:  # noqa: BLE001
        pass


def outlook(day: dt.date) -> dict:
    """Today's forecast, the next 14 days and today's hourly forecast, for the pages (cached a minute)."""
    key = f"flow:outlook:{day.isoformat()}"
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001
        cached = None
    if cached is not None:
        return cached
    from scenic_ops.core.services import site_profile

    rows = selectors.upcoming_forecasts(day, HORIZON + 1)
    capacity = site_profile().open_daily_capacity
    policy = WarningPolicy.objects.filter(scope_key=SITE_KEY).first() or WarningPolicy()
    days = []
    for row in rows:
        load = selectors.percent(row.predicted, capacity)
        level = sum(1 for threshold in policy.thresholds if load >= threshold)
        days.append(
            {
                "day": row.day.isoformat(),
                "predicted": row.predicted,
                "high": row.high,
                "percent": load,
                "level": LEVEL_CODES[level],
            }
        )
    today = next((r for r in rows if r.day == day), None)
    hourly: list[int] = []
    tomorrow_hourly: list[int] = []
    if rows:
        cal = holiday_calendar()
        shares = profiles(day, cal)
        if today is not None:
            hourly = [round(today.predicted * s) for s in shares[cal.day_type(day)]]
        tomorrow = next((r for r in rows if r.day == day + dt.timedelta(days=1)), None)
        if tomorrow is not None:
            tomorrow_hourly = [round(tomorrow.predicted * s) for s in shares[cal.day_type(tomorrow.day)]]
    result = {
        "today": today.predicted if today else None,
        "days": days,
        "today_hourly": hourly,
        "tomorrow_hourly": tomorrow_hourly,
    }
    try:
        cache.set(key, result, 60)
    except Exception:  # noqa: BLE001
        pass
    return result


# --- backtests ------------------------------------------------------------------------------


def stored_series() -> tuple[dict[dt.date, float], dict[tuple[dt.date, int], float]]:
    """The stored daily history (up to yesterday) and the site's hourly entries."""
    today = timezone.localdate()
    series = history(today - dt.timedelta(days=1))
    if not series:
        return {}, {}
    return series, hourly_history(min(series), today - dt.timedelta(days=1))


def run_backtest(series=None, cal=None, hourly=None, *, progress=None, **options):
    from scenic_ops.flow.forecasting import backtest

    if series is None:
        series, hourly = stored_series()
    cal = cal or holiday_calendar()
    return backtest(series, cal, hourly=hourly or None, progress=progress, **options)
