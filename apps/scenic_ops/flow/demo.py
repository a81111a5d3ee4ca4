"""Demo data of the visitor-flow domain (idempotent): car parks, queues, devices, a warning
policy, two years of daily and hourly history, today's live figures and forecasts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.utils import timezone

from scenic_ops.core.models import Zone
from scenic_ops.core.services import site_profile
from scenic_ops.flow.history import generate
from scenic_ops.flow.models import (
    CountingDevice,
    DailyFlow,
    FlowCount,
    Forecast,
    ParkingLot,
    ReportingEndpoint,
    WaitQueue,
)
from scenic_ops.flow.models.counts import SITE_KEY
from scenic_ops.flow.services import devices, forecasts, levels, notices, reporting

HISTORY_DAYS = 730
PARKING = [("parking-p1", 600, False), ("parking-p2", 400, True)]
QUEUES = [
    # code, name, English, zone, served per minute, mode
    ("cableway", "索道排队", "Cableway queue", "cableway-lower", "12", "sensor"),
    ("boat", "游船排队", "Boat queue", "pier", "6", "sensor"),
    ("theatre", "山水剧场入场", "Theatre entry", "theatre", "40", "manual"),
]
DEVICES = [
    # code, name, kind, zone, queue
    ("counter-summit", "主峰客流计数器", "people", "summit", None),
    ("counter-temple", "古寺客流计数器", "people", "temple", None),
    ("video-lake", "湖区视频客流分析", "video", "lake", None),
    ("barrier-p1", "P1道闸", "barrier", "parking-p1", None),
    ("sensor-p2", "P2车位检测器", "parking", "parking-p2", None),
    ("queue-cableway", "索道排队检测", "queue", None, "cableway"),
    ("queue-boat", "游船排队检测", "queue", None, "boat"),
]
ZONE_SHARE = {
    "summit": 0.17,
    "temple": 0.12,
    "lake": 0.2,
    "cableway-lower": 0.05,
    "cableway-upper": 0.04,
    "pier": 0.05,
    "theatre": 0.08,
}


def build(stdout) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    zones = {z.code: z for z in Zone.objects.all()}
    policy = levels.site_policy()
    if not policy.sms_recipients:
        policy.sms_recipients = "13905120901\n13905120902"
        policy.save()
    for code, spaces, overflow in PARKING:
        if code in zones:
            ParkingLot.objects.get_or_create(zone=zones[code], defaults={"spaces": spaces, "overflow": overflow})
    queues = {}
    for order, (code, name, en, zone, rate, mode) in enumerate(QUEUES):
        queues[code], _ = WaitQueue.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "zone": zones.get(zone),
                "service_rate_per_minute": Decimal(rate),
                "mode": mode,
                "sort_order": order,
            },
        )
    secrets = []
    for code, name, kind, zone, queue in DEVICES:
        device, created = CountingDevice.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "zone": zones.get(zone), "queue": queues.get(queue)}
        )
        if created:
            secrets.append((code, devices.issue_key(device)))
    if not ReportingEndpoint.objects.exists():
        endpoint = ReportingEndpoint(
            name="省文旅大数据平台（演示）",
            url="http://127.0.0.1:8765/flow-reports",
            site_code="JS-SZ-0001",
            enabled=False,
        )
        reporting.set_secret(endpoint, "demo-provincial-secret")
        endpoint.save()
    notice = notices.notice()
    if not notice.traffic_note:
        notices.publish_notice(
            traffic_note="云岫山路畅通；节假日建议乘坐景区接驳车（地铁5号线云岫站）。",
            traffic_note_en="Yunxiu Road is clear; on holidays take the shuttle bus from Metro Line 5, Yunxiu station.",
        )
    days = _history(today, stdout)
    _today(now, zones, queues)
    _past_forecasts(today)
    forecasts.issue(now=now)
    changes = levels.evaluate(now=now)
    stdout.write(
        f"flow demo: {days} days of history added, {len(DEVICES)} devices, {len(PARKING)} car parks, "
        f"{len(QUEUES)} queues, {len(changes)} level changes"
    )
    for code, secret in secrets[:1]:
        stdout.write(f"flow demo: API key of device {code}: {secret}")


def _history(today: dt.date, stdout) -> int:
    start = today - dt.timedelta(days=HISTORY_DAYS)
    have = set(DailyFlow.objects.filter(day__gte=start, day__lt=today).values_list("day", flat=True))
    if len(have) >= HISTORY_DAYS:
        return 0
    cal = forecasts.holiday_calendar()
    history = generate(start, today - dt.timedelta(days=1), cal, daily_cap=site_profile().open_daily_capacity or 22500)
    rows = [
        DailyFlow(
            day=day,
            entries=entries,
            exits=entries,
            peak_in_park=history.peak.get(day, 0),
            booked=history.booked[day],
            capped=day in history.capped,
            source=DailyFlow.Source.DEMO,
        )
        for day, entries in history.daily.items()
        if day not in have
    ]
    DailyFlow.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    counts = [
        FlowCount(day=day, zone_key=SITE_KEY, hour=hour, shard=0, entries=e, exits=x)
        for (day, hour), (e, x) in history.hourly.items()
        if day not in have
    ]
    FlowCount.objects.bulk_create(counts, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _today(now: dt.datetime, zones: dict, queues: dict) -> None:
    today = timezone.localdate(now)
    if FlowCount.objects.filter(day=today).exists():
        return
    cal = forecasts.holiday_calendar()
    sample = generate(
        today, today, cal, daily_cap=site_profile().open_daily_capacity or 22500, seed=int(today.strftime("%Y%m%d"))
    )
    local = timezone.localtime(now)
    fraction = local.minute / 60
    rows = []
    in_park = 0
    for hour in range(local.hour + 1):
        entries, exits = sample.hourly.get((today, hour), (0, 0))
        if hour == local.hour:
            entries, exits = int(entries * fraction), int(exits * fraction)
        if entries or exits:
            rows.append(FlowCount(day=today, zone_key=SITE_KEY, hour=hour, shard=0, entries=entries, exits=exits))
        in_park += entries - exits
    in_park = max(0, in_park)
    rng = np.random.default_rng(int(today.strftime("%Y%m%d")))
    for code, share in ZONE_SHARE.items():
        zone = zones.get(code)
        if zone is None or not zone.instant_capacity:
            continue
        present = min(int(in_park * share * rng.uniform(0.8, 1.2)), int(zone.instant_capacity * 1.02))
        exits = int(present * rng.uniform(0.8, 1.6))
        rows.append(
            FlowCount(day=today, zone_key=zone.pk, hour=local.hour, shard=0, entries=present + exits, exits=exits)
        )
    FlowCount.objects.bulk_create(rows, ignore_conflicts=True)
    for lot in ParkingLot.objects.all():
        share = 0.45 if not lot.overflow else 0.2
        ParkingLot.objects.filter(pk=lot.pk).update(occupied=min(lot.spaces, int(in_park / 3.2 * share)), state_at=now)
    for code, queue in queues.items():
        if queue.mode == WaitQueue.Mode.SENSOR:
            WaitQueue.objects.filter(pk=queue.pk).update(
                length=int(in_park * (0.02 if code == "cableway" else 0.008)), state_at=now
            )
        else:
            WaitQueue.objects.filter(pk=queue.pk).update(manual_minutes=15, state_at=now)


def _past_forecasts(today: dt.date) -> None:
    """What the forecast a day ahead said for the last four weeks (a model fitted before them)."""
    start = today - dt.timedelta(days=28)
    if Forecast.objects.filter(day__gte=start, day__lt=today, horizon=1).exists():
        return
    from scenic_ops.flow.forecasting import DailyModel

    cal = forecasts.holiday_calendar()
    series = forecasts.history(today - dt.timedelta(days=1))
    if len(series) < 200:
        return
    model = DailyModel().fit(series, cal, until=start - dt.timedelta(days=1))
    days = [start + dt.timedelta(days=i) for i in range(28)]
    issued_at = timezone.now()
    rows = []
    for day, (predicted, high) in model.predict(days, history=series).items():
        rows.append(
            Forecast(
                day=day,
                issued_on=day - dt.timedelta(days=1),
                horizon=1,
                predicted=round(predicted),
                high=round(high),
                model=model.name,
                issued_at=issued_at,
            )
        )
    Forecast.objects.bulk_create(rows, ignore_conflicts=True)
