"""Builders for ticketing tests: a small catalogue, slots for the coming days, bookings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from scenic_ops.ticketing import catalog, idcard, inventory

ADULT_ID = "110101199003071234"  # checksum fixed below


def valid_id(seq: int, *, born: dt.date = dt.date(1990, 3, 7), region: str = "320506") -> str:
    return idcard.make_number(region, born, seq)


@pytest.fixture
def tk(db):
    """A site with admission (1 per ID per day), a cableway (40 per slot), a bundle and a show."""
    from scenic_ops.core.services import site_profile
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import BundleItem, Price, PriceCategory, Product, SlotTemplate

    profile = site_profile()
    profile.max_daily_capacity = 1000
    profile.open_ratio_percent = 100
    profile.save()
    cats = {
        "adult": PriceCategory.objects.create(code="adult", name="成人", name_en="Adult", sort_order=1),
        "child": PriceCategory.objects.create(code="child", name="儿童", name_en="Child", max_age=13, sort_order=2),
        "senior": PriceCategory.objects.create(
            code="senior", name="老年人", name_en="Senior", min_age=60, sort_order=3
        ),
        "student": PriceCategory.objects.create(
            code="student", name="学生", name_en="Student", needs_document=True, document_label="学生证", sort_order=4
        ),
        "group": PriceCategory.objects.create(
            code="group", name="团队", name_en="Group", group_only=True, sort_order=9
        ),
    }
    admission = Product.objects.create(
        code="entry",
        name="门票",
        name_en="Admission",
        kind="admission",
        draws_site_capacity=True,
        id_limit_per_day=1,
        refund_deadline_hours=2,
        refund_fee_percent=Decimal("10"),
    )
    cableway = Product.objects.create(
        code="cable", name="索道", name_en="Cableway", kind="transport", per_slot_capacity=40
    )
    bundle = Product.objects.create(
        code="entry-cable", name="门票+索道", name_en="Admission + cableway", kind="admission", id_limit_per_day=1
    )
    BundleItem.objects.create(bundle=bundle, component=admission)
    BundleItem.objects.create(bundle=bundle, component=cableway)
    show = Product.objects.create(code="show", name="山水实景演出", kind="show", own_slots=True, refundable=False)
    for product, amounts in (
        (admission, {"adult": "100", "child": "50", "senior": "0", "student": "50", "group": "80"}),
        (cableway, {"adult": "60", "child": "30"}),
        (bundle, {"adult": "150"}),
        (show, {"adult": "180"}),
    ):
        for code, amount in amounts.items():
            Price.objects.create(product=product, category=cats[code], day_type="workday", amount=Decimal(amount))
    Price.objects.create(product=admission, category=cats["adult"], day_type="holiday", amount=Decimal("120"))
    SlotTemplate.objects.create(
        name="entry", first_start=dt.time(8), last_start=dt.time(15), interval_minutes=60, capacity=200
    )
    SlotTemplate.objects.create(
        name="show", product=show, first_start=dt.time(19), last_start=dt.time(19), duration_minutes=90, capacity=30
    )
    catalog.invalidate()
    inventory.invalidate_layout()
    capacity.generate(timezone.localdate() - dt.timedelta(days=1), 10)
    return type("TK", (), {"cats": cats, "admission": admission, "cableway": cableway, "bundle": bundle, "show": show})


def slot_of(day_offset: int = 1, hour: int = 9, product=None):
    from scenic_ops.ticketing.models import TimeSlot

    date = timezone.localdate() + dt.timedelta(days=day_offset)
    return TimeSlot.objects.get(date=date, start=dt.time(hour), owner_key=product.id if product else 0)


def request(slot, *, n: int = 1, product: str = "entry", category: str = "adult", seq: int = 1, **kw):
    from scenic_ops.ticketing.services import BookingRequest, ItemIn, VisitorIn

    visitors = [VisitorIn(f"游客{seq + i}", "resident", valid_id(seq + i)) for i in range(n)]
    return BookingRequest(slot_id=slot.id, items=[ItemIn(product, category, visitors)], **kw)


def bucket_state(slot):
    from scenic_ops.ticketing.models import Bucket

    return {b.kind: (b.used, b.reserved, b.capacity) for b in Bucket.objects.filter(slot=slot)} | {
        "day": next(((b.used, b.reserved, b.capacity) for b in Bucket.objects.filter(date=slot.date, kind="day")), None)
    }


def assert_consistent():
    """Every bucket's used equals the live tickets drawing from it; nothing over capacity."""
    from scenic_ops.ticketing.models import Bucket, Ticket

    expected: dict[int, int] = {}
    for takes in Ticket.objects.filter(status__in=["held", "valid", "used"]).values_list("takes", flat=True):
        for t in inventory.decode(takes):
            expected[t.bucket] = expected.get(t.bucket, 0) + t.used
    for b in Bucket.objects.all():
        assert b.used + b.reserved <= b.capacity, b
        if b.kind != "allotment" or not b.released:
            assert b.used == expected.get(b.id, 0), (b, expected.get(b.id, 0))
