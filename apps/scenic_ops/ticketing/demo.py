"""Demo ticketing: products of the five kinds, prices per day type, slots for the coming weeks,
allotments, an OTA partner key and a travel agency, and some orders from every channel (idempotent)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from scenic_ops.core.models import User, Zone
from scenic_ops.ticketing import capacity, catalog, idcard, inventory, services, setup
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Bucket, BundleItem, Order, Partner, Price, PriceCategory, Product, SlotTemplate
from scenic_ops.ticketing.partners import create_partner

DAYS = 21
# code, name, English, kind, zone, site capacity, own slots, per slot, per-ID/day, refund (hours, fee %), prices
PRODUCTS = [
    (
        "entry",
        "景区门票",
        "Admission",
        "admission",
        "gate-south",
        True,
        False,
        0,
        1,
        (2, "0"),
        {"adult": 120, "child": 60, "infant": 0, "senior": 0, "student": 60, "disabled": 0, "military": 0, "group": 96},
    ),
    (
        "cableway",
        "云岫索道（往返）",
        "Cableway (return)",
        "transport",
        "cableway-lower",
        False,
        False,
        300,
        2,
        (1, "10"),
        {"adult": 80, "child": 40, "senior": 40, "group": 70},
    ),
    ("boat", "湖区游船", "Lake boat", "transport", "pier", False, False, 120, 2, (1, "10"), {"adult": 60, "child": 30}),
    (
        "temple",
        "古寺禅院",
        "Ancient Temple",
        "attraction",
        "temple",
        False,
        False,
        400,
        1,
        (0, "0"),
        {"adult": 20, "senior": 0, "child": 10},
    ),
    (
        "show",
        "山水实景演出《云岫》",
        "Landscape show",
        "show",
        "theatre",
        False,
        True,
        0,
        0,
        None,
        {"adult": 198, "child": 99},
    ),
    (
        "guide",
        "人工讲解（2小时）",
        "Guided tour (2 h)",
        "service",
        "gate-south",
        False,
        False,
        10,
        0,
        (24, "20"),
        {"adult": 150},
    ),
    (
        "entry-cableway",
        "门票+索道套票",
        "Admission + cableway",
        "admission",
        None,
        False,
        False,
        0,
        1,
        (2, "0"),
        {"adult": 180, "child": 90, "group": 150},
    ),
]
SURCHARGE = {"weekend": Decimal("1.0"), "holiday": Decimal("1.25"), "peak": Decimal("1.5")}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
]
REGIONS = ["320506", "320102", "310104", "330106", "110105", "440305", "510107", "420106", "370202", "350203"]


def build(stdout) -> None:
    setup.load(stdout)
    categories = {c.code: c for c in PriceCategory.objects.all()}
    zones = {z.code: z for z in Zone.objects.all()}
    products = {}
    for code, name, en, kind, zone, site, own, per_slot, limit, refund, prices in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "kind": kind,
                "zone": zones.get(zone or ""),
                "draws_site_capacity": site,
                "own_slots": own,
                "per_slot_capacity": per_slot,
                "id_limit_per_day": limit,
                "refundable": refund is not None,
                "refund_deadline_hours": refund[0] if refund else 0,
                "refund_fee_percent": Decimal(refund[1]) if refund else Decimal("0"),
                "sort_order": len(products),
            },
        )
        products[code] = product
        for category, amount in prices.items():
            base = Decimal(amount)
            Price.objects.update_or_create(
                product=product, category=categories[category], day_type="workday", defaults={"amount": base}
            )
            for day_type, factor in SURCHARGE.items():
                if factor != 1 and base:
                    Price.objects.update_or_create(
                        product=product,
                        category=categories[category],
                        day_type=day_type,
                        defaults={"amount": (base * factor).quantize(Decimal("1"))},
                    )
    for component in ("entry", "cableway"):
        BundleItem.objects.get_or_create(bundle=products["entry-cableway"], component=products[component])
    SlotTemplate.objects.update_or_create(
        name="入园分时段（整点）",
        defaults={
            "first_start": dt.time(8),
            "last_start": dt.time(16),
            "interval_minutes": 60,
            "duration_minutes": 60,
            "capacity": 2500,
        },
    )
    SlotTemplate.objects.update_or_create(
        name="演出场次",
        defaults={
            "product": products["show"],
            "first_start": dt.time(19, 30),
            "last_start": dt.time(19, 30),
            "duration_minutes": 80,
            "capacity": 800,
        },
    )
    catalog.invalidate()
    inventory.invalidate_layout()
    today = timezone.localdate()
    counts = capacity.generate(today, DAYS)
    _allotments(today)
    ota = Partner.objects.filter(code="ctrip-demo").first()
    if ota is None:
        creds = create_partner("ctrip-demo", "携程（演示）", webhook_url="https://partner.example.com/scenic-hook")
        ota = creds.partner
        stdout.write(f"ticketing: demo OTA key {creds.api_key} signing secret {creds.signing_secret} (shown once)")
    agency = (
        Partner.objects.filter(code="cits-demo").first()
        or create_partner("cits-demo", "国旅（演示）", kind=Partner.Kind.AGENCY).partner
    )
    made = 0 if Order.objects.exists() else _orders(products, ota, agency, today)
    stdout.write(
        f"ticketing: {len(products)} products, {counts['slots']} new slots for {DAYS} days, {made} demo orders"
    )


def _allotments(today: dt.date) -> None:
    """Keep 100 places of each morning slot for elderly walk-ins (released 1 h before), groups on weekends."""
    from scenic_ops.ticketing.models import TimeSlot

    for slot in TimeSlot.objects.filter(date__gte=today, date__lt=today + dt.timedelta(days=7), owner_key=0):
        if slot.ends_at <= timezone.now():
            continue
        if slot.start.hour in (8, 9) and not Bucket.objects.filter(key=f"a:{slot.id}:offline").exists():
            capacity.create_allotment(slot, "offline", 100, release_at=slot.starts_at - dt.timedelta(hours=1))
        if (
            slot.date.isoweekday() >= 6
            and slot.start.hour == 10
            and not Bucket.objects.filter(key=f"a:{slot.id}:agency").exists()
        ):
            capacity.create_allotment(slot, "agency", 300, release_at=slot.starts_at - dt.timedelta(hours=24))


def _person(rng: random.Random, seq: int, *, senior: bool = False) -> services.VisitorIn:
    year = rng.randint(1940, 1962) if senior else rng.randint(1970, 2004)
    born = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return services.VisitorIn(name, "resident", idcard.make_number(rng.choice(REGIONS), born, seq))


def _orders(products, ota: Partner, agency: Partner, today: dt.date) -> int:
    from scenic_ops.ticketing.models import TimeSlot

    rng = random.Random(2026)
    clerk = User.objects.filter(groups__role__code="ticket_clerk").first()
    slots = list(
        TimeSlot.objects.filter(
            date__gte=today, date__lt=today + dt.timedelta(days=5), owner_key=0, ends_at__gt=timezone.now()
        )
    )
    made = 0
    for seq in range(1, 61):
        slot = rng.choice(slots)
        channel = rng.choice(["web", "web", "partner", "counter", "staff"])
        senior = channel == "staff"
        product = rng.choice(["entry", "entry", "entry-cableway"]) if not senior else "entry"
        category = "senior" if senior else "adult"
        visitors = [_person(rng, seq * 5 + i, senior=senior) for i in range(rng.randint(1, 3))]
        req = services.BookingRequest(
            slot.id,
            [services.ItemIn(product, category, visitors)],
            channel=channel,
            contact_phone=f"139{rng.randint(10000000, 99999999)}",
            confirm=channel != "web" or seq % 3 != 0,
            payment_method={"partner": "account", "counter": "cash", "staff": "cash"}.get(channel, "online"),
            partner=services.PartnerRef(ota.id, ota.code) if channel == "partner" else None,
            external_id=f"DEMO-{seq}" if channel == "partner" else None,
            created_by_id=clerk.pk if clerk and channel in ("counter", "staff") else None,
        )
        try:
            services.book(req)
            made += 1
        except TicketingError:
            continue
    members = [_person(rng, 900 + i) for i in range(25)]
    weekend = next((s for s in slots if s.start.hour == 10), slots[0])
    try:
        services.book(
            services.BookingRequest(
                weekend.id,
                [services.ItemIn("entry", "group", members)],
                channel="agency",
                partner=services.PartnerRef(agency.id, agency.code),
                confirm=True,
                payment_method="account",
                group_name="导游 李娜 13700001111",
            )
        )
        made += 1
    except TicketingError:
        pass
    return made
