"""Builders for the visitor-flow tests: a small site with two key spots, a car park and a queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _fresh_flow_caches():
    from scenic_ops.flow.services import counting

    counting.forget_places()
    yield
    counting.forget_places()


@pytest.fixture
def site(db):
    """Site capacity 1,000 at once and 3,000 a day (75 % open); spots summit (100) and temple (200)."""
    from scenic_ops.core.models import SiteProfile, Zone
    from scenic_ops.core.services import ensure_site_profile
    from scenic_ops.flow.models import ParkingLot, WaitQueue

    profile = ensure_site_profile()
    SiteProfile.objects.filter(pk=profile.pk).update(
        max_instant_capacity=1000, max_daily_capacity=3000, open_ratio_percent=75
    )
    zones = {
        "summit": Zone.objects.create(
            code="summit", name="主峰", name_en="Main Peak", kind="spot", instant_capacity=100
        ),
        "temple": Zone.objects.create(
            code="temple", name="古寺", name_en="Ancient Temple", kind="spot", instant_capacity=200
        ),
        "gate-south": Zone.objects.create(code="gate-south", name="南山门", name_en="South Gate", kind="entrance"),
        "parking-p1": Zone.objects.create(code="parking-p1", name="P1停车场", name_en="Car Park P1", kind="parking"),
        "parking-p2": Zone.objects.create(code="parking-p2", name="P2停车场", name_en="Car Park P2", kind="parking"),
    }
    lots = {
        "p1": ParkingLot.objects.create(zone=zones["parking-p1"], spaces=50),
        "p2": ParkingLot.objects.create(zone=zones["parking-p2"], spaces=40, overflow=True),
    }
    queue = WaitQueue.objects.create(
        code="cableway", name="索道排队", name_en="Cableway queue", service_rate_per_minute=Decimal("4")
    )
    return {"zones": zones, "lots": lots, "queue": queue}


@pytest.fixture
def busy_site(site):
    """Figures on every part of the page: a yellow level, a spot, car parks, a wait, a traffic note."""
    from scenic_ops.flow.models import ParkingLot
    from scenic_ops.flow.services import evaluate, publish_notice, record_passages

    record_passages(None, entries=900, exits=80)  # 820 of 1,000: yellow
    record_passages("summit", entries=120, exits=30)  # 90 of 100
    record_passages("temple", entries=60, exits=20)
    ParkingLot.objects.filter(zone__code="parking-p1").update(occupied=47, state_at=timezone.now())
    site["queue"].length = 60
    site["queue"].state_at = timezone.now()
    site["queue"].save()
    publish_notice(traffic_note="云岫山路车多缓行", traffic_note_en="Slow traffic on Yunxiu Road")
    evaluate()
    return site


@pytest.fixture
def issued_forecasts(site):
    """200 days of history at about a tenth of capacity, and the forecasts issued from it."""
    from scenic_ops.flow.history import generate
    from scenic_ops.flow.models import DailyFlow
    from scenic_ops.flow.services import forecasts

    today = timezone.localdate()
    cal = forecasts.holiday_calendar()
    history = generate(today - dt.timedelta(days=200), today - dt.timedelta(days=1), cal, daily_cap=2250, hourly=False)
    DailyFlow.objects.bulk_create([DailyFlow(day=d, entries=v // 10) for d, v in history.daily.items()])
    forecasts.issue()


@pytest.fixture
def make_device(site):
    """make_device("people", zone="summit") -> (device, api key secret)."""
    from scenic_ops.flow.models import CountingDevice
    from scenic_ops.flow.services import devices

    def build(kind: str, *, code: str | None = None, zone: str | None = None, queue=None, interval: int = 60):
        device = CountingDevice.objects.create(
            code=code or f"{kind}-{zone or 'site'}",
            name=f"{kind} {zone}",
            kind=kind,
            zone=site["zones"][zone] if zone else None,
            queue=queue,
            interval_seconds=interval,
        )
        return device, devices.issue_key(device)

    return build


@pytest.fixture
def push(client):
    """push(secret, device_code, readings) -> the API response."""

    def send(secret: str | None, device: str, readings, **extra):
        headers = {"HTTP_X_API_KEY": secret} if secret else {}
        return client.post(
            "/api/v1/flow/devices/push",
            data={"device": device, "readings": readings, **extra},
            content_type="application/json",
            **headers,
        )

    return send


def minutes_ago(minutes: float, *, now: dt.datetime | None = None) -> str:
    """An ISO time in the device's clock (UTC+8), `minutes` before now, on the minute."""
    now = now or timezone.now()
    at = timezone.localtime(now - dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    return at.isoformat()


def present(zone_code: str | None = None) -> int:
    from scenic_ops.core.models import Zone
    from scenic_ops.flow import selectors

    key = Zone.objects.get(code=zone_code).pk if zone_code else 0
    return selectors.present(key, timezone.localdate())
