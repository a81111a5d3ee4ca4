"""Builders for gate tests: a site with an entrance, a cableway station and a key spot; tickets; devices.

Scans are decided at an injected time (`at(hour)`, today) so tests do not depend on the hour
they run at; API tests that use the real clock book the current hour's slot.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from scenic_ops.ticketing import idcard


def valid_id(seq: int, *, born: dt.date = dt.date(1990, 3, 7), region: str = "320506") -> str:
    return idcard.make_number(region, born, seq)


def at(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    """Today (plus `days`) at hour:minute, local time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture(autouse=True)
def _fresh_caches():
    from scenic_ops.access import config
    from scenic_ops.flow.services import counting
    from scenic_ops.ticketing import catalog, inventory

    config.forget()
    catalog.invalidate()
    inventory.invalidate_layout()
    counting.forget_places()
    yield
    config.forget()
    counting.forget_places()


class Site:
    """What the `site` fixture built; `book()`, `device()` and `scan()` make the rest."""

    def __init__(self, **parts):
        self.__dict__.update(parts)
        self._devices = {}
        self._seq = 0

    # --- tickets -------------------------------------------------------------------------
    def book(
        self,
        product: str = "entry",
        category: str = "adult",
        *,
        hour: int | None = None,
        days: int = 0,
        id_number: str | None = None,
        name: str = "张三",
        channel: str = "web",
        partner=None,
        external_id=None,
        booked_at: dt.datetime | None = None,
    ):
        """A confirmed ticket; returns ticketing's BookedTicket (code, token, id…)."""
        from scenic_ops.ticketing.models import TimeSlot
        from scenic_ops.ticketing.services import BookingRequest, ItemIn, VisitorIn, book

        self._seq += 1
        day = timezone.localdate() + dt.timedelta(days=days)
        hour = timezone.localtime().hour if hour is None else hour
        slot = TimeSlot.objects.get(date=day, start=dt.time(hour), owner_key=0)
        number = id_number or valid_id(self._seq)
        req = BookingRequest(
            slot_id=slot.id,
            items=[ItemIn(product, category, [VisitorIn(name, "resident", number)])],
            channel=channel,
            confirm=True,
            payment_method="cash" if partner is None else "account",
            partner=partner,
            external_id=external_id,
        )
        when = booked_at or timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12)))
        return book(req, now=when).tickets[0]

    # --- devices --------------------------------------------------------------------------
    def device(self, lane: str):
        """(DeviceInfo, API key secret) of a device on the lane, created once."""
        from scenic_ops.access import config, services
        from scenic_ops.access.models import Lane

        if lane not in self._devices:
            dev, secret = services.create_device(Lane.objects.get(code=lane), f"dev-{lane}", f"Reader {lane}")
            self._devices[lane] = (dev, secret)
            config.forget()
        dev, secret = self._devices[lane]
        return config.device_for_key(dev.api_key_id), secret

    def scan(self, lane: str, value: str, *, direction: str | None = None, method: str = "qr", now=None, **kw):
        from scenic_ops.access import services

        info, _secret = self.device(lane)
        direction = direction or (info.lane.direction if info.lane.direction != "both" else "in")
        return services.scan(info, method, value, direction, now=now or at(10), **kw)


@pytest.fixture
def site(db):
    """Entrance gate-south (lanes s-in-1, s-in-2, s-out), cableway gate (c-in), summit gate (sm-in, both ways).

    Products: entry (admission), entry-re (re-entry same day), entry-1x (one re-entry), cable
    (cableway, zone cableway-lower), entry-cable (bundle), entry2 (two entries). Hourly slots
    00:00–23:59 yesterday to tomorrow+1; the site closes at 23:59:59 so real-clock tests always fit.
    """
    from scenic_ops.access.models import AdmissionRule, Gate, Lane
    from scenic_ops.core.models import SiteProfile, Zone
    from scenic_ops.core.services import ensure_site_profile
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import BundleItem, Price, PriceCategory, Product, SlotTemplate

    profile = ensure_site_profile()
    SiteProfile.objects.filter(pk=profile.pk).update(
        max_daily_capacity=100_000,
        max_instant_capacity=50_000,
        open_ratio_percent=100,
        opening_time=dt.time(0, 0),
        closing_time=dt.time(23, 59, 59),
    )
    zones = {
        "gate-south": Zone.objects.create(code="gate-south", name="南山门", name_en="South Gate", kind="entrance"),
        "cableway-lower": Zone.objects.create(
            code="cableway-lower", name="索道下站", name_en="Cableway Lower Station", kind="station"
        ),
        "summit": Zone.objects.create(code="summit", name="主峰", name_en="Main Peak", kind="spot"),
    }
    adult = PriceCategory.objects.create(code="adult", name="成人", name_en="Adult", sort_order=1)
    student = PriceCategory.objects.create(
        code="student",
        name="学生",
        name_en="Student",
        needs_document=True,
        document_label="学生证",
        document_label_en="Student card",
        sort_order=2,
    )
    products = {}
    for code, name, kind, extra in (
        ("entry", "门票", "admission", {"draws_site_capacity": True}),
        ("entry-re", "门票(可再入园)", "admission", {"draws_site_capacity": True}),
        ("entry-1x", "门票(可再入园一次)", "admission", {"draws_site_capacity": True}),
        ("entry2", "两次入园票", "admission", {"draws_site_capacity": True, "uses_allowed": 2}),
        ("cable", "索道", "transport", {"zone": zones["cableway-lower"], "per_slot_capacity": 500}),
        ("entry-cable", "门票+索道", "admission", {}),
    ):
        products[code] = Product.objects.create(code=code, name=name, name_en=code, kind=kind, **extra)
    BundleItem.objects.create(bundle=products["entry-cable"], component=products["entry"])
    BundleItem.objects.create(bundle=products["entry-cable"], component=products["cable"])
    for product in products.values():
        for category in (adult, student):
            Price.objects.create(product=product, category=category, day_type="workday", amount=Decimal("50"))
    AdmissionRule.objects.create(product=products["entry-re"], reentry="same_day")
    AdmissionRule.objects.create(product=products["entry-1x"], reentry="times", reentry_times=1)
    SlotTemplate.objects.create(
        name="all day", first_start=dt.time(0), last_start=dt.time(23), interval_minutes=60, capacity=10_000
    )
    capacity.generate(timezone.localdate() - dt.timedelta(days=1), 4)
    south = Gate.objects.create(code="south", name="南山门", name_en="South Gate", zone=zones["gate-south"])
    cable = Gate.objects.create(
        code="cable", name="索道检票口", name_en="Cableway gate", zone=zones["cableway-lower"], scope="zone"
    )
    summit = Gate.objects.create(
        code="summit", name="主峰闸机", name_en="Summit gate", zone=zones["summit"], scope="zone"
    )
    lanes = {
        "s-in-1": Lane.objects.create(gate=south, code="s-in-1", name="入口1", direction="in"),
        "s-in-2": Lane.objects.create(gate=south, code="s-in-2", name="入口2", direction="in"),
        "s-out": Lane.objects.create(gate=south, code="s-out", name="出口", direction="out"),
        "c-in": Lane.objects.create(gate=cable, code="c-in", name="索道入口", direction="in"),
        "sm-in": Lane.objects.create(gate=summit, code="sm-in", name="主峰通道", direction="both"),
    }
    lanes["sm-in"].products.set([products["entry"], products["entry-re"]])
    return Site(zones=zones, products=products, gates={"south": south, "cable": cable, "summit": summit}, lanes=lanes)


def post_json(client, path: str, body, *, key: str | None = None, **extra):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers, **extra)


def in_park(day: dt.date | None = None) -> int:
    from scenic_ops.flow import selectors
    from scenic_ops.flow.models.counts import SITE_KEY

    return selectors.present(SITE_KEY, day or timezone.localdate())


def counts(zone_key: int = 0, day: dt.date | None = None) -> dict:
    from scenic_ops.flow import selectors

    return selectors.counts(day or timezone.localdate()).get(zone_key, {"entries": 0, "exits": 0})
