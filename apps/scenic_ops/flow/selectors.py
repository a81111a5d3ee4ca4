"""Reads: live figures, the public status snapshot, whether sales are stopped, forecasts.

`live_status()` is what the public API, the SSE stream and the pages publish. It is cached
in Redis together with the live version it was computed at; a change bumps the version
(see live.py), and the next read recomputes, at most four times a second, so the lag from
a gate scan to the public figures stays well under a second.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scenic_ops.core.models import Zone
from scenic_ops.flow import live
from scenic_ops.flow.models import (
    CountAdjustment,
    FlowCount,
    Forecast,
    ForecastWarning,
    Level,
    LevelState,
    Notice,
    ParkingLot,
    SafetyWarning,
    WaitQueue,
    WarningPolicy,
)
from scenic_ops.flow.models.counts import SITE_KEY
from scenic_ops.flow.models.levels import LEVEL_CODES
from scenic_ops.ticketing import selectors as ticketing

log = logging.getLogger(__name__)
STATUS_KEY = "flow:status"
MIN_RECOMPUTE_SECONDS = 0.25
OCCUPANCY_KINDS = (Zone.Kind.AREA, Zone.Kind.SPOT, Zone.Kind.STATION, Zone.Kind.SERVICE)


# --- sales halt -------------------------------------------------------------------------


def sales_halted(day: dt.date | None = None) -> bool:
    """True while the sale of `day`'s remaining slots is stopped (by a warning level or an operator).

    Flow decides (`services.halt_sales`, recorded as `SalesHalt`) and tells ticketing through the
    strict `flow.sales_halt_changed` hook; ticketing, which sells, holds the answer every channel and
    this status share.
    """
    return ticketing.sales_stopped(day)


# --- counts -------------------------------------------------------------------------------


def counts(day: dt.date) -> dict[int, dict[str, Any]]:
    """Per place (0 = site): entries, exits and entries per local hour of `day`."""
    out: dict[int, dict[str, Any]] = defaultdict(lambda: {"entries": 0, "exits": 0, "hours": [0] * 24})
    rows = (
        FlowCount.objects.filter(day=day)
        .values_list("zone_key", "hour")
        .annotate(e=Sum("entries"), x=Sum("exits"))
        .order_by()
    )
    for zone_key, hour, entries, exits in rows:
        entry = out[zone_key]
        entry["entries"] += entries or 0
        entry["exits"] += exits or 0
        entry["hours"][hour] += entries or 0
    return out


def adjustments(day: dt.date) -> dict[int, int]:
    rows = CountAdjustment.objects.filter(day=day).values_list("zone_id").annotate(d=Sum("delta")).order_by()
    return {(zone_id or SITE_KEY): delta or 0 for zone_id, delta in rows}


def present(zone_key: int, day: dt.date) -> int:
    """People (or vehicles) present now: entries − exits today + corrections, never below zero."""
    figures = counts(day).get(zone_key, {"entries": 0, "exits": 0})
    return max(0, figures["entries"] - figures["exits"] + adjustments(day).get(zone_key, 0))


def percent(count: int, capacity: int) -> float:
    return round(100.0 * count / capacity, 1) if capacity else 0.0


# --- the public snapshot --------------------------------------------------------------------


def _both(func) -> dict[str, str]:
    out = {}
    for code, lang in (("zh", "zh-hans"), ("en", "en")):
        with translation.override(lang):
            out[code] = str(func())
    return out


def level_label(level: int) -> dict[str, str]:
    return _both(lambda: Level(level).label)


def level_banner(level: int, load: float, halted: bool) -> dict[str, str]:
    def text():
        if level >= Level.RED:
            message = _("The scenic area has reached its capacity ({load} %). Please postpone your visit.")
        elif level == Level.ORANGE:
            message = _("The scenic area is very busy ({load} %). Entry may be restricted; follow staff directions.")
        else:
            message = _("The scenic area is busy ({load} %). Please consider quieter spots or a later visit.")
        message = message.format(load=round(load))
        if halted:
            message += " " + _("Ticket sales for today are stopped.")
        return message

    return _both(text)


def compute_status(now: dt.datetime | None = None) -> dict[str, Any]:
    from scenic_ops.core.services import site_profile
    from scenic_ops.flow.services import forecasts

    version = live.current_version()
    now = now or timezone.now()
    day = timezone.localdate(now)
    profile = site_profile()
    figures = counts(day)
    corrections = adjustments(day)
    states = {s.scope_key: s for s in LevelState.objects.all()}
    halted = sales_halted(day)

    def present_at(key: int) -> int:
        entry = figures.get(key, {"entries": 0, "exits": 0})
        return max(0, entry["entries"] - entry["exits"] + corrections.get(key, 0))

    site = figures.get(SITE_KEY, {"entries": 0, "exits": 0, "hours": [0] * 24})
    in_park = present_at(SITE_KEY)
    site_state = states.get(SITE_KEY)
    site_level = site_state.level if site_state else Level.NORMAL
    load = max(percent(in_park, profile.max_instant_capacity), percent(site["entries"], profile.max_daily_capacity))

    zones = []
    alerts = []
    for zone in Zone.objects.filter(active=True, kind__in=OCCUPANCY_KINDS, instant_capacity__gt=0):
        count = present_at(zone.pk)
        state = states.get(zone.pk)
        level = state.level if state else Level.NORMAL
        zones.append(
            {
                "code": zone.code,
                "name": zone.name,
                "name_en": zone.name_en or zone.name,
                "kind": zone.kind,
                "count": count,
                "capacity": zone.instant_capacity,
                "percent": percent(count, zone.instant_capacity),
                "level": LEVEL_CODES[level],
                "lat": float(zone.latitude) if zone.latitude is not None else None,
                "lng": float(zone.longitude) if zone.longitude is not None else None,
            }
        )
        if level > Level.NORMAL:
            alerts.append(
                {
                    "kind": "zone_level",
                    "level": LEVEL_CODES[level],
                    "zone": zone.code,
                    "since": state.since.isoformat(),
                    **_both(lambda z=zone, lv=level: _("{zone}: {level}").format(
                        zone=z.name if translation.get_language().startswith("zh") else (z.name_en or z.name),
                        level=Level(lv).label,
                    )),
                }
            )  # fmt: skip
    zones.sort(key=lambda z: -z["percent"])

    parking = []
    for lot in ParkingLot.objects.select_related("zone").filter(zone__active=True):
        parking.append(
            {
                "code": lot.zone.code,
                "name": lot.zone.name,
                "name_en": lot.zone.name_en or lot.zone.name,
                "spaces": lot.spaces,
                "occupied": lot.vehicles,
                "free": lot.free,
                "percent": percent(lot.vehicles, lot.spaces),
                "overflow": lot.overflow,
                "updated_at": lot.state_at.isoformat() if lot.state_at else None,
            }
        )

    waits = []
    for queue in WaitQueue.objects.select_related("zone").filter(active=True):
        waits.append(
            {
                "code": queue.code,
                "name": queue.name,
                "name_en": queue.name_en or queue.name,
                "minutes": queue.wait_minutes,
                "length": queue.length if queue.mode == WaitQueue.Mode.SENSOR else None,
                "source": queue.mode,
                "updated_at": queue.state_at.isoformat() if queue.state_at else None,
            }
        )

    notice = Notice.objects.order_by("pk").first()
    policy = WarningPolicy.objects.filter(scope_key=SITE_KEY).first()
    banner_level = policy.banner_level if policy else Level.YELLOW
    banner = None
    if banner_level and site_level >= banner_level:
        banner = {"level": LEVEL_CODES[site_level], **level_banner(site_level, load, halted)}
    if notice and notice.banner:
        manual = {"level": "notice", "zh": notice.banner, "en": notice.banner_en or notice.banner}
        banner = manual if banner is None else {**banner, "zh": f"{banner['zh']} {manual['zh']}", "en": f"{banner['en']} {manual['en']}"}  # fmt: skip
    if site_level > Level.NORMAL:
        alerts.insert(
            0,
            {
                "kind": "site_level",
                "level": LEVEL_CODES[site_level],
                "since": site_state.since.isoformat(),
                **_both(lambda: _("Whole scenic area: {level}").format(level=Level(site_level).label)),
            },
        )
    for warning in SafetyWarning.objects.filter(active_key__isnull=False).order_by("-level", "raised_at"):
        safety = {"level": warning.level_code, "zh": warning.reason, "en": warning.reason}
        alerts.insert(0, {"kind": "safety", "since": warning.raised_at.isoformat(), **safety})
        if banner is None:
            banner = safety
        else:
            rank = {code: value for value, code in LEVEL_CODES.items()}
            banner = {
                "level": max(banner["level"], safety["level"], key=lambda code: rank.get(code, 0)),
                "zh": f"{safety['zh']} {banner['zh']}",
                "en": f"{safety['en']} {banner['en']}",
            }
    if halted:
        alerts.insert(
            0, {"kind": "sales_halted", "level": "red", **_both(lambda: _("Ticket sales for today are stopped."))}
        )
    for warning in ForecastWarning.objects.filter(active=True, day__gt=day, day__lte=day + dt.timedelta(days=7)):
        alerts.append(
            {
                "kind": "forecast",
                "level": "yellow",
                "day": warning.day.isoformat(),
                **_both(lambda w=warning: _("{day}: forecast {visitors} visitors ({load} of capacity)").format(
                    day=w.day.strftime("%m-%d"), visitors=w.predicted, load=f"{round(w.load_percent)} %"
                )),
            }
        )  # fmt: skip

    outlook = forecasts.outlook(day)
    hourly_forecast = outlook["today_hourly"]
    return {
        "version": version,
        "generated_at": now.isoformat(timespec="seconds"),
        "site": {
            "name": profile.name,
            "name_en": profile.name_en or profile.name,
            "opening_time": profile.opening_time.strftime("%H:%M"),
            "closing_time": profile.closing_time.strftime("%H:%M"),
        },
        "day": day.isoformat(),
        "capacity": {
            "instant": profile.max_instant_capacity,
            "daily": profile.max_daily_capacity,
            "open_daily": profile.open_daily_capacity,
        },
        "in_park": in_park,
        "entries_today": max(0, site["entries"]),
        "exits_today": max(0, site["exits"]),
        "load_percent": load,
        "in_park_percent": percent(in_park, profile.max_instant_capacity),
        "level": {
            "code": LEVEL_CODES[site_level],
            "value": int(site_level),
            "since": site_state.since.isoformat() if site_state else None,
            **level_label(site_level),
        },
        "banner": banner,
        "sales_halted": halted,
        "zones": zones,
        "parking": parking,
        "waits": waits,
        "traffic": {
            "zh": notice.traffic_note if notice else "",
            "en": (notice.traffic_note_en or notice.traffic_note) if notice else "",
            "updated_at": notice.updated_at.isoformat() if notice and notice.traffic_note else None,
        },
        "alerts": alerts,
        "hourly": {"entries": site["hours"], "forecast": hourly_forecast},
        "forecast": {"today": outlook["today"], "days": outlook["days"]},
    }


def live_status(*, min_version: int | None = None) -> dict[str, Any]:
    """The published snapshot (see the module docstring)."""
    version = live.current_version()
    if version >= 0:
        try:
            cached = cache.get(STATUS_KEY)
        except Exception:  # noqa: BLE001
            cached = None
        if cached is not None:
            fresh = cached["version"] >= version
            young = abs(time.time() - cached.get("_at", 0)) < MIN_RECOMPUTE_SECONDS
            if fresh or (min_version is None and young):
                return cached
    snapshot = compute_status()
    snapshot["_at"] = time.time()
    if version >= 0:
        try:
            cache.set(STATUS_KEY, snapshot, 60)
        except Exception:  # noqa: BLE001
            pass
    return snapshot


def public(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if not k.startswith("_")}


def forget_status() -> None:
    try:
        cache.delete(STATUS_KEY)
    except Exception:  # noqa: BLE001
        pass


# --- desk ------------------------------------------------------------------------------------


def upcoming_forecasts(day: dt.date, days: int = 14) -> list[Forecast]:
    latest = (
        Forecast.objects.filter(issued_on__lte=day).order_by("-issued_on").values_list("issued_on", flat=True).first()
    )
    if latest is None:
        return []
    return list(Forecast.objects.filter(issued_on=latest, day__gte=day).order_by("day")[:days])
