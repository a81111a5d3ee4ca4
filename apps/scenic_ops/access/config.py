"""Gate configuration as plain values, cached per process for the validation path.

Devices, lanes, gates, admission rules, closed days and opening hours change a few times a
day; every scan reads them. A change made in the desk calls `forget()`: the process that made
it reloads at once, every other process within a second (`core.versions`); so does a change of
ticketing's catalogue or calendar. An unknown device key also reloads (at most once a second).
Product and category names come from ticketing's own catalogue snapshot.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

from django.utils import timezone

from scenic_ops.core import versions
from scenic_ops.ticketing import catalog
from scenic_ops.ticketing import gate as ticket_gate

TTL = 60.0  # a safety net: changes reach every process through `core.versions` within a second
VERSION = "access:config"
MISS_RELOAD = 1.0

ADMISSION = "admission"
CONSUME, COMPONENT, PASS = "consume", "component", "pass"


@dataclass(frozen=True)
class Rule:
    early: dt.timedelta = dt.timedelta(minutes=30)
    until: str = "closing"
    late: dt.timedelta = dt.timedelta(0)
    reentry: str = "none"
    reentry_times: int = 0


DEFAULT_RULE = Rule()


@dataclass(frozen=True)
class LaneInfo:
    id: int
    code: str
    name: str
    direction: str
    gate_id: int
    gate_code: str
    gate_name: str
    gate_name_en: str
    scope: str
    zone_key: int
    zone_code: str | None  # None: the whole scenic area
    anti_passback: bool
    offline_id_cards: bool
    accepts: frozenset[int]  # product ids accepted as themselves

    def mode(self, product: catalog.ProductInfo | None) -> str | None:
        """How a ticket of this product passes here: consume a use, use a bundle part, pass through, or not at all."""
        if product is None:
            return None
        if product.id in self.accepts:
            return PASS if self.zone_code is not None and product.kind == ADMISSION else CONSUME
        parts = [p for p in product.components if p in self.accepts]
        if not parts:
            return None
        if self.zone_code is None:
            return CONSUME
        cat = catalog.get()
        if all((cat.product(p) is not None and cat.product(p).kind == ADMISSION) for p in parts):
            return PASS
        return COMPONENT


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    code: str
    name: str
    active: bool
    vendor: str
    lane: LaneInfo


@dataclass
class Snapshot:
    devices: dict[int, DeviceInfo] = field(default_factory=dict)  # by API key id
    lanes: dict[int, LaneInfo] = field(default_factory=dict)
    gates: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # id -> (code, name, name_en)
    rules: dict[int, Rule] = field(default_factory=dict)  # by product id
    closed_days: frozenset[dt.date] = frozenset()
    opening: dt.time = dt.time(8, 0)
    closing: dt.time = dt.time(17, 30)
    expires: float = 0.0
    loaded: float = 0.0
    version: tuple[int, ...] = ()

    def rule(self, product_id: int) -> Rule:
        return self.rules.get(product_id, DEFAULT_RULE)

    def gate_label(self, gate_id: int | None, lang: str = "zh") -> str:
        code, name, name_en = self.gates.get(gate_id or 0, ("", "", ""))
        return (name_en or name) if lang == "en" else (name or code)


_snapshot: Snapshot | None = None
_lock = threading.Lock()


def forget() -> None:
    """The gate configuration changed: reload here at once, in every process within a second."""
    global _snapshot
    with _lock:
        _snapshot = None
    versions.bump(VERSION)


def _version() -> tuple[int, ...]:
    # Ours, and ticketing's catalogue and calendar (products accepted, closed days).
    return (versions.current(VERSION), *ticket_gate.config_version())


def get() -> Snapshot:
    snap = _snapshot
    if snap is not None and snap.expires > time.monotonic() and snap.version == _version():
        return snap
    return _reload()


def _reload() -> Snapshot:
    global _snapshot
    snap = _load(_version())
    with _lock:
        _snapshot = snap
    return snap


def device_for_key(key_id: int) -> DeviceInfo | None:
    snap = get()
    found = snap.devices.get(key_id)
    if found is None and time.monotonic() - snap.loaded > MISS_RELOAD:
        found = _reload().devices.get(key_id)  # a device added a moment ago in another process
    return found


def _load(version: tuple[int, ...]) -> Snapshot:
    from scenic_ops.access.models import AdmissionRule, Gate, GateDevice, Lane
    from scenic_ops.core.services import site_profile

    now = time.monotonic()
    snap = Snapshot(expires=now + TTL, loaded=now, version=version)
    profile = site_profile()
    snap.opening, snap.closing = profile.opening_time, profile.closing_time
    today = timezone.localdate()
    snap.closed_days = frozenset(ticket_gate.closed_days(today - dt.timedelta(days=2), today + dt.timedelta(days=8)))
    for r in AdmissionRule.objects.all():
        snap.rules[r.product_id] = Rule(
            early=dt.timedelta(minutes=r.early_minutes),
            until=r.until,
            late=dt.timedelta(minutes=r.late_minutes),
            reentry=r.reentry,
            reentry_times=r.reentry_times,
        )
    products = catalog.get().products.values()
    product_zone = {p.id: p.zone_id for p in products}
    admission = {p.id for p in products if p.kind == ADMISSION}
    explicit: dict[int, set[int]] = {}
    for lane_id, product_id in Lane.products.through.objects.values_list("lane_id", "product_id"):
        explicit.setdefault(lane_id, set()).add(product_id)
    gates = {g.id: g for g in Gate.objects.select_related("zone")}
    for g in gates.values():
        snap.gates[g.id] = (g.code, g.name, g.name_en)
    lane_active: dict[int, bool] = {}
    for lane in Lane.objects.all():
        gate = gates[lane.gate_id]
        lane_active[lane.id] = lane.active and gate.active
        site = gate.scope == Gate.Scope.SITE
        if lane.id in explicit:
            accepts = explicit[lane.id]
        elif site:
            accepts = admission
        else:
            accepts = {pid for pid, zone_id in product_zone.items() if zone_id == gate.zone_id}
        snap.lanes[lane.id] = LaneInfo(
            id=lane.id,
            code=lane.code,
            name=lane.name,
            direction=lane.direction,
            gate_id=gate.id,
            gate_code=gate.code,
            gate_name=gate.name,
            gate_name_en=gate.name_en,
            scope=gate.scope,
            zone_key=0 if site else gate.zone_id,
            zone_code=None if site else gate.zone.code,
            anti_passback=gate.anti_passback,
            offline_id_cards=gate.offline_id_cards,
            accepts=frozenset(accepts),
        )
    for d in GateDevice.objects.exclude(api_key__isnull=True):
        lane = snap.lanes.get(d.lane_id)
        if lane is None:
            continue
        active = d.active and lane_active[lane.id]
        snap.devices[d.api_key_id] = DeviceInfo(d.id, d.code, d.name, active, d.vendor, lane)
    return snap
