"""One inventory for every channel: capacity buckets, taken and given back atomically.

**Buckets.** Every place a booking needs is a row of `ticketing_bucket` with `capacity`,
`used` and `reserved`: the site's day (approved daily capacity × open ratio), the time slot,
a product's own per-slot capacity (a boat, a show), and channel allotments (a group quota,
the offline quota for elderly visitors). An allotment of N keeps N places `reserved` in its
slot and day buckets until it is used or released at its cut-off.

**Taking.** A booking's changes are merged per bucket and applied by ONE conditional UPDATE
inside the booking's one-round-trip block (`sql.take_buckets`, `booking`): InnoDB walks the IN
list in primary-key order, so every transaction locks its buckets in the same order (no
deadlocks between bookings), holds them only until its COMMIT, and either every bucket matches
or the block rolls back. A CHECK constraint (`used + reserved <= capacity`) guards the table as
well. The slow paths (allotments, a late payment reviving an order) take with the ORM: the same
condition, one `UPDATE … WHERE` per bucket in key order (`take`). See docs/adr/0007.

**Giving back** happens only after a state-guarded ticket update (`… WHERE status = 'valid'`)
matched, so each seat returns exactly once (`give_back`).

**Layout.** Which buckets a date has — its slots, their buckets, product and allotment buckets —
is cached per process (`layout`) and dropped in every process when the capacity calendar changes
(`core.versions`, within a second). The remaining-places view is `remaining`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from scenic_ops.core import versions
from scenic_ops.ticketing import sql
from scenic_ops.ticketing.errors import Code, TicketingError

LAYOUT_TTL = 60.0  # a safety net: changes reach every process through `versions` at once
LAYOUT_VERSION = "ticketing:layout"
KIND_DAY, KIND_SLOT, KIND_PRODUCT, KIND_ALLOTMENT = "day", "slot", "product", "allotment"


# --- takes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Take:
    """A change to one bucket: `used` and `reserved` deltas; `allotment` marks an allotment bucket."""

    bucket: int
    used: int
    reserved: int = 0
    allotment: bool = False


def merge(takes: Iterable[Take]) -> list[Take]:
    acc: dict[int, list] = {}
    for t in takes:
        row = acc.setdefault(t.bucket, [0, 0, t.allotment])
        row[0] += t.used
        row[1] += t.reserved
    return [Take(b, u, r, a) for b, (u, r, a) in sorted(acc.items())]


def encode(takes: Iterable[Take]) -> str:
    return ";".join(f"{'a' if t.allotment else ''}{t.bucket}:{t.used}:{t.reserved}" for t in takes)


def decode(text: str) -> list[Take]:
    out = []
    for part in filter(None, text.split(";")):
        b, u, r = part.split(":")
        out.append(Take(int(b.lstrip("a")), int(u), int(r), b.startswith("a")))
    return out


def bucket_takes(takes: Iterable[Take]) -> list[sql.BucketTake]:
    """Merged takes as the booking block's bucket UPDATE takes them (key order)."""
    return [sql.BucketTake(t.bucket, t.used, t.reserved) for t in merge(takes)]


def _bucket():
    from scenic_ops.ticketing.models import Bucket

    return Bucket


def take(takes: Iterable[Take]) -> bool:
    """Take places on a slow path (inside the caller's transaction). False: a bucket refused — the
    caller must roll back what this call already took (run it in a savepoint)."""
    Bucket = _bucket()
    for t in merge(takes):  # key order, as the booking block locks them
        net = t.used + t.reserved
        matched = Bucket.objects.filter(
            pk=t.bucket, closed=False, capacity__gte=F("used") + F("reserved") + net, reserved__gte=-t.reserved
        ).update(used=F("used") + t.used, reserved=F("reserved") + t.reserved, seq=F("seq") + 1)
        if matched != 1:
            return False
    return True


def give_back(takes: Iterable[Take]) -> None:
    """Return places taken earlier; the caller's state-guarded ticket update decided they are owed.

    A place taken from an allotment goes back to the allotment while it is open. Once the
    allotment was released at its cut-off, the place goes to everyone: the allotment's
    capacity shrinks with it and its parents' reserve is not restored.
    """
    Bucket = _bucket()
    merged = merge(takes)
    if not merged:
        return
    released = False
    if any(t.allotment for t in merged):
        flags = dict(
            Bucket.objects.select_for_update()
            .filter(pk__in=[t.bucket for t in merged])
            .order_by("pk")
            .values_list("pk", "released")
        )
        released = any(flags.get(t.bucket) for t in merged if t.allotment)
    for t in merged:
        shrink = t.used if (released and t.allotment) else 0
        Bucket.objects.filter(pk=t.bucket).update(
            used=F("used") - t.used,
            reserved=F("reserved") - (0 if released else t.reserved),
            capacity=F("capacity") - shrink,
            seq=F("seq") + 1,
        )


def diagnose(bucket_ids: Iterable[int], *, what: dict[int, str] | None = None) -> TicketingError:
    """Why a take failed: the error to raise (day closed, slot closed, or sold out — which)."""
    rows = list(
        _bucket().objects.filter(pk__in=set(bucket_ids)).values("id", "kind", "capacity", "used", "reserved", "closed")
    )
    for row in rows:
        if row["closed"]:
            return TicketingError(Code.DAY_CLOSED if row["kind"] == KIND_DAY else Code.SLOT_CLOSED)
    names = {
        KIND_DAY: _("the scenic area is full on this day"),
        KIND_SLOT: _("this time slot is full"),
        KIND_PRODUCT: _("no places left for this product in this time slot"),
        KIND_ALLOTMENT: _("the channel quota is used up"),
    }
    if not rows:
        return TicketingError(Code.SOLD_OUT, what=_("no places left"))
    fullest = min(rows, key=lambda r: r["capacity"] - r["used"] - r["reserved"])
    label = (what or {}).get(fullest["id"]) or names.get(fullest["kind"], _("no places left"))
    return TicketingError(Code.SOLD_OUT, what=label)


# --- layout: which buckets a date has (cached per process) -------------------------------------
@dataclass(frozen=True)
class SlotInfo:
    id: int
    date: dt.date
    start: dt.time
    end: dt.time
    starts_at: dt.datetime
    ends_at: dt.datetime
    product_id: int | None
    bucket: int | None


@dataclass
class DayLayout:
    date: dt.date
    day_bucket: int | None = None
    peak: bool = False
    note: str = ""
    slots: list[SlotInfo] = field(default_factory=list)
    slot_by_id: dict[int, SlotInfo] = field(default_factory=dict)
    product_buckets: dict[tuple[int, int], int] = field(default_factory=dict)
    allotments: dict[tuple[int, str], int] = field(default_factory=dict)
    loaded: float = 0.0
    version: int = 0

    @property
    def bucket_ids(self) -> list[int]:
        ids = [s.bucket for s in self.slots if s.bucket]
        ids += list(self.product_buckets.values()) + list(self.allotments.values())
        if self.day_bucket:
            ids.append(self.day_bucket)
        return ids


_layouts: dict[dt.date, DayLayout] = {}
_slot_dates: dict[int, dt.date] = {}
_lock = threading.Lock()


def invalidate_layout(date: dt.date | None = None) -> None:
    """Drop the cached layout here, and (after commit) in every other process."""
    with _lock:
        if date is None:
            _layouts.clear()
        else:
            _layouts.pop(date, None)
    versions.bump(LAYOUT_VERSION)


def layout(date: dt.date) -> DayLayout:
    hit = _layouts.get(date)
    now = time.monotonic()
    version = versions.current(LAYOUT_VERSION)
    if hit is not None and hit.loaded > now and hit.version == version:
        return hit
    day = DayLayout(date=date, loaded=now + LAYOUT_TTL, version=version)
    with connection.cursor() as cur:
        slots, buckets, saleday = sql.day_layout(cur, date)
    slot_bucket: dict[int, int] = {}
    for b in buckets:
        if b["kind"] == KIND_DAY:
            day.day_bucket = b["id"]
        elif b["kind"] == KIND_SLOT:
            slot_bucket[b["slot_id"]] = b["id"]
        elif b["kind"] == KIND_PRODUCT:
            day.product_buckets[(b["slot_id"], b["product_id"])] = b["id"]
        elif b["kind"] == KIND_ALLOTMENT:
            day.allotments[(b["slot_id"], b["channel"])] = b["id"]
    for s in slots:
        info = SlotInfo(
            s["id"], date, s["start"], s["end"], s["starts_at"], s["ends_at"], s["product_id"], slot_bucket.get(s["id"])
        )
        day.slots.append(info)
        day.slot_by_id[info.id] = info
        _slot_dates[info.id] = date
    if saleday:
        day.peak, day.note = bool(saleday["peak"]), saleday["note"] or ""
    with _lock:
        _layouts[date] = day
    return day


def slot(slot_id: int) -> SlotInfo | None:
    """The slot's layout entry (None if no such slot)."""
    date = _slot_dates.get(slot_id)
    if date is None:
        with connection.cursor() as cur:
            date = sql.slot_date(cur, slot_id)
        if date is None:
            return None
    info = layout(date).slot_by_id.get(slot_id)
    if info is None:  # created after the cached layout was loaded
        with _lock:
            _layouts.pop(date, None)
        info = layout(date).slot_by_id.get(slot_id)
    return info
