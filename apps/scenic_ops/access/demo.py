"""Demo gates (idempotent): two entrances, the cableway, the temple, the pier and the theatre, with
lanes, one device per lane, admission rules, and this morning's scans of the tickets booked for today."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from scenic_ops.access import config, services
from scenic_ops.access.models import AdmissionRule, Gate, GateDevice, Lane
from scenic_ops.core.models import Zone

# code, name, English, zone, scope, lanes [(code, name, direction)]
GATES = [
    (
        "south",
        "南山门",
        "South Gate",
        "gate-south",
        "site",
        [("south-in-1", "入园1号通道", "in"), ("south-in-2", "入园2号通道", "in"), ("south-out", "出园通道", "out")],
    ),
    (
        "east",
        "东山门",
        "East Gate",
        "gate-east",
        "site",
        [("east-in", "入园通道", "in"), ("east-out", "出园通道", "out")],
    ),
    ("cableway", "索道下站检票口", "Cableway gate", "cableway-lower", "zone", [("cableway-in", "索道检票", "in")]),
    ("temple", "古寺检票口", "Temple gate", "temple", "zone", [("temple-gate", "古寺通道", "both")]),
    ("pier", "游船码头检票口", "Pier gate", "pier", "zone", [("pier-in", "登船检票", "in")]),
    ("theatre", "剧场入口", "Theatre entrance", "theatre", "zone", [("theatre-in", "剧场检票", "in")]),
]
# product code -> rule
RULES = {
    "entry": {"early_minutes": 30, "until": "closing", "reentry": "times", "reentry_times": 1},
    "entry-cableway": {"early_minutes": 30, "until": "closing", "reentry": "times", "reentry_times": 1},
    "cableway": {"early_minutes": 30, "until": "closing", "reentry": "none"},
    "show": {"early_minutes": 45, "until": "slot_end", "late_minutes": 0, "reentry": "none"},
}


def build(stdout) -> None:
    from scenic_ops.ticketing import catalog

    zones = {z.code: z for z in Zone.objects.all()}
    lanes = {}
    for order, (code, name, en, zone, scope, lane_specs) in enumerate(GATES):
        if zone not in zones:
            continue
        gate, _ = Gate.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": en, "zone": zones[zone], "scope": scope, "sort_order": order}
        )
        for n, (lane_code, lane_name, direction) in enumerate(lane_specs):
            lanes[lane_code], _ = Lane.objects.update_or_create(
                code=lane_code, defaults={"gate": gate, "name": lane_name, "direction": direction, "sort_order": n}
            )
    made = 0
    for lane in lanes.values():
        if not GateDevice.objects.filter(lane=lane).exists():
            services.create_device(lane, f"reader-{lane.code}", f"{lane.name}读头", vendor="demo", model="QR+ID+face")
            made += 1
    catalog.invalidate()
    cat = catalog.get()
    for code, rule in RULES.items():
        product = cat.product(code)
        if product is not None:
            AdmissionRule.objects.update_or_create(product_id=product.id, defaults=rule)
    config.forget()
    scans = _morning(lanes)
    stdout.write(
        f"access: {len(GATES)} gates, {len(lanes)} lanes, {made} new devices, {scans} demo scans "
        "(play gates with: manage.py gate_simulator --lanes south-in-1,south-in-2 --tickets 50)"
    )


def _morning(lanes: dict[str, Lane]) -> int:
    """Scan today's tickets whose slot has begun, at plausible times before now (once)."""
    from scenic_ops.access.models import Scan
    from scenic_ops.ticketing import selectors as ticketing

    if Scan.objects.exists() or "south-in-1" not in lanes:
        return 0
    now = timezone.now()
    rng = random.Random(5)
    devices = {
        d.lane.code: config.device_for_key(d.api_key_id)
        for d in GateDevice.objects.select_related("lane").exclude(api_key__isnull=True)
    }
    entries = [devices.get(c) for c in ("south-in-1", "south-in-2", "east-in") if devices.get(c)]
    made = 0
    for ticket in ticketing.started_tickets(now, limit=400):
        start = ticket["starts_at"] - dt.timedelta(minutes=25)
        span = max(60, int((min(now, ticket["ends_at"]) - start).total_seconds()))
        at = start + dt.timedelta(seconds=rng.randrange(span))
        if at > now:
            continue
        token = ticket["token"]
        device = rng.choice(entries)
        services.scan(device, "qr", token, "in", now=at)
        made += 1
        if rng.random() < 0.08:  # shown twice: refused as used
            services.scan(rng.choice(entries), "qr", token, "in", now=min(now, at + dt.timedelta(minutes=2)))
            made += 1
        if rng.random() < 0.2 and devices.get("south-out"):
            leave = at + dt.timedelta(minutes=rng.randrange(30, 240))
            if leave < now:
                services.scan(devices["south-out"], "qr", token, "out", now=leave)
                made += 1
    for device in devices.values():
        if device is not None:
            services.heartbeat(device, clock=now, whitelist_version=None)
    return made
