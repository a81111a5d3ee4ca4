"""One inventory for every channel: capacity buckets, taken and given back atomically.

**Buckets.** Every place a booking needs is a row of `ticketing_bucket` with `capacity`,
`used` and `reserved`: the site's day (approved daily capacity × open ratio), the time slot,
a product's own per-slot capacity (a boat, a show), and channel allotments (a group quota,
the offline quota for elderly visitors). An allotment of N keeps N places `reserved` in its
slot and day buckets until it is used or released at its cut-off.

**Taking.** A booking's changes are merged per bucket and applied by ONE statement::

    UPDATE ticketing_bucket SET used = used + CASE id …, reserved = reserved + CASE id …, seq = seq + 1
    WHERE id IN (…) AND closed = 0 AND used + reserved + CASE id … END <= capacity

InnoDB walks the IN list in primary-key order, so every transaction locks its buckets in
the same order (no deadlocks between bookings), holds them only until its COMMIT, and the
statement either matches every bucket or the caller rolls the transaction back. A CHECK
constraint (`used + reserved <= capacity`) guards the table as well.

**Giving back** happens only after a state-guarded ticket update (`… WHERE status = 'valid'`)
matched, so each seat returns exactly once.

**The Redis view** (what visitors and partners poll) keeps, per date, the newest state of
each bucket as ``seq:capacity:used:reserved:closed``; writers publish after COMMIT and a
state only replaces an older `seq`. To never show more than really remains, a booking adds
its places to a short-lived *pending* hash before its transaction and removes them in the
same Redis script that publishes the committed state; readers subtract pending places.
Pending hashes are per 10-second window and expire, so a crashed worker's pending places
vanish within a minute (they only ever make the view more cautious).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.fastredis import FastScript

LAYOUT_TTL = 10.0
STATE_TTL = 6 * 3600
WINDOW = 10
WINDOWS_READ = 6  # pending places count for up to a minute
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


def _case(pairs: list[tuple[int, int]]) -> tuple[str, list[int]]:
    sql = ["CASE id"]
    params: list[int] = []
    for bucket, value in pairs:
        sql.append("WHEN %s THEN %s")
        params += [bucket, value]
    sql.append("ELSE 0 END")
    return " ".join(sql), params


def take_sql(takes: list[Take]) -> tuple[str, list[int]]:
    """The conditional UPDATE for merged takes (see the module docstring)."""
    used_case, used_params = _case([(t.bucket, t.used) for t in takes])
    res_case, res_params = _case([(t.bucket, t.reserved) for t in takes])
    net_case, net_params = _case([(t.bucket, t.used + t.reserved) for t in takes])
    ids = [t.bucket for t in takes]
    marks = ",".join(["%s"] * len(ids))
    return (
        f"UPDATE ticketing_bucket SET used = used + {used_case}, reserved = reserved + {res_case}, seq = seq + 1 "
        f"WHERE id IN ({marks}) AND closed = 0 AND used + reserved + {net_case} <= capacity "
        f"AND reserved + {res_case} >= 0",
        used_params + res_params + ids + net_params + res_params,
    )


def take(cursor, takes: list[Take]) -> bool:
    """Apply a booking's takes in one conditional UPDATE. False: some bucket refused (roll back!)."""
    takes = merge(takes)
    if not takes:
        return True
    sql, params = take_sql(takes)
    cursor.execute(sql, params)
    return cursor.rowcount == len(takes)


def give_back(cursor, takes: list[Take]) -> None:
    """Return places taken earlier; the caller's state-guarded ticket update decided they are owed.

    A place taken from an allotment goes back to the allotment while it is open. Once the
    allotment was released at its cut-off, the place goes to everyone: the allotment's
    capacity shrinks with it and its parents' reserve is not restored.
    """
    takes = merge(takes)
    if not takes:
        return
    ids = [t.bucket for t in takes]
    marks = ",".join(["%s"] * len(ids))
    released = False
    if any(t.allotment for t in takes):
        cursor.execute(f"SELECT id, released FROM ticketing_bucket WHERE id IN ({marks}) ORDER BY id FOR UPDATE", ids)
        flags = dict(cursor.fetchall())
        released = any(flags.get(t.bucket) for t in takes if t.allotment)
    used_case, used_params = _case([(t.bucket, -t.used) for t in takes])
    res_case, res_params = _case([(t.bucket, 0 if released else -t.reserved) for t in takes])
    cap_case, cap_params = _case([(t.bucket, -t.used if (released and t.allotment) else 0) for t in takes])
    cursor.execute(
        f"UPDATE ticketing_bucket SET used = used + {used_case}, reserved = reserved + {res_case}, "
        f"capacity = capacity + {cap_case}, seq = seq + 1 WHERE id IN ({marks})",
        used_params + res_params + cap_params + ids,
    )


def diagnose(cursor, bucket_ids: Iterable[int], *, what: dict[int, str] | None = None) -> TicketingError:
    """Why a take failed: the error to raise (day closed, slot closed, or sold out — which)."""
    ids = sorted(set(bucket_ids))
    marks = ",".join(["%s"] * len(ids))
    cursor.execute(
        f"SELECT id, kind, capacity, used, reserved, closed FROM ticketing_bucket WHERE id IN ({marks})", ids
    )
    rows = cursor.fetchall()
    for _bid, kind, *_rest, closed in rows:
        if closed:
            return TicketingError(Code.DAY_CLOSED if kind == KIND_DAY else Code.SLOT_CLOSED)
    from django.utils.translation import gettext as _

    names = {
        KIND_DAY: _("the scenic area is full on this day"),
        KIND_SLOT: _("this time slot is full"),
        KIND_PRODUCT: _("no places left for this product in this time slot"),
        KIND_ALLOTMENT: _("the channel quota is used up"),
    }
    fullest = min(rows, key=lambda r: r[2] - r[3] - r[4]) if rows else None
    label = (what or {}).get(fullest[0]) if fullest else None
    return TicketingError(Code.SOLD_OUT, what=label or names.get(fullest[1] if fullest else "", _("no places left")))


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
    with _lock:
        if date is None:
            _layouts.clear()
        else:
            _layouts.pop(date, None)


def _to_aware(value: dt.datetime) -> dt.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def layout(date: dt.date) -> DayLayout:
    hit = _layouts.get(date)
    now = time.monotonic()
    if hit is not None and hit.loaded > now:
        return hit
    day = DayLayout(date=date, loaded=now + LAYOUT_TTL)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, start, end, starts_at, ends_at, product_id FROM ticketing_timeslot "
            "WHERE date = %s ORDER BY start, owner_key",
            [date],
        )
        raw_slots = cur.fetchall()
        cur.execute("SELECT id, kind, slot_id, product_id, channel FROM ticketing_bucket WHERE date = %s", [date])
        buckets = cur.fetchall()
        cur.execute("SELECT peak, note FROM ticketing_saleday WHERE date = %s", [date])
        saleday = cur.fetchone()
    slot_bucket: dict[int, int] = {}
    for bid, kind, slot_id, product_id, channel in buckets:
        if kind == KIND_DAY:
            day.day_bucket = bid
        elif kind == KIND_SLOT:
            slot_bucket[slot_id] = bid
        elif kind == KIND_PRODUCT:
            day.product_buckets[(slot_id, product_id)] = bid
        elif kind == KIND_ALLOTMENT:
            day.allotments[(slot_id, channel)] = bid
    for sid, start, end, starts_at, ends_at, product_id in raw_slots:
        info = SlotInfo(
            sid,
            date,
            _time(start),
            _time(end),
            _to_aware(starts_at),
            _to_aware(ends_at),
            product_id,
            slot_bucket.get(sid),
        )
        day.slots.append(info)
        day.slot_by_id[sid] = info
        _slot_dates[sid] = date
    if saleday:
        day.peak, day.note = bool(saleday[0]), saleday[1] or ""
    with _lock:
        _layouts[date] = day
    return day


def _time(value) -> dt.time:
    if isinstance(value, dt.timedelta):  # PyMySQL returns TIME columns as timedelta
        secs = int(value.total_seconds())
        return dt.time(secs // 3600, secs % 3600 // 60)
    return value


def slot(slot_id: int) -> SlotInfo | None:
    """The slot's layout entry (None if no such slot)."""
    date = _slot_dates.get(slot_id)
    if date is None:
        with connection.cursor() as cur:
            cur.execute("SELECT date FROM ticketing_timeslot WHERE id = %s", [slot_id])
            row = cur.fetchone()
        if row is None:
            return None
        date = row[0]
    info = layout(date).slot_by_id.get(slot_id)
    if info is None:  # created after the cached layout was loaded
        invalidate_layout(date)
        info = layout(date).slot_by_id.get(slot_id)
    return info


# --- the Redis view ------------------------------------------------------------------------------
class BucketState(NamedTuple):
    seq: int
    capacity: int
    used: int
    reserved: int
    closed: bool
    pending: int = 0

    @property
    def free(self) -> int:
        if self.closed:
            return 0
        return max(0, self.capacity - self.used - self.reserved - self.pending)


_PEND = """
if KEYS[2] ~= '' and not redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[2]) then return -1 end
if KEYS[3] ~= '' then
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('EXPIRE', KEYS[3], 70) end
  if tonumber(ARGV[3]) > 0 and n > tonumber(ARGV[3]) then return -2 end
end
for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
if #ARGV >= 4 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""
_PUBLISH = """
local np = tonumber(ARGV[2])
local i = 3
local last = 2 + 2 * np
while i <= last do
  local left = redis.call('HINCRBY', KEYS[2], ARGV[i], -tonumber(ARGV[i + 1]))
  if left <= 0 then redis.call('HDEL', KEYS[2], ARGV[i]) end
  i = i + 2
end
while i <= #ARGV do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  local seq = tonumber(ARGV[i + 1])
  if (not cur) or tonumber(string.sub(cur, 1, string.find(cur, ':', 1, true) - 1)) < seq then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. ':' .. ARGV[i + 2])
  end
  i = i + 3
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
"""
_READ = """
local out = {}
local state = redis.call('HGETALL', KEYS[1])
for i = 1, #state, 2 do out[#out + 1] = state[i] .. ':' .. state[i + 1] end
local pend = {}
for k = 2, #KEYS do
  local h = redis.call('HGETALL', KEYS[k])
  for i = 1, #h, 2 do pend[#pend + 1] = h[i] .. ':' .. h[i + 1] end
end
return table.concat(out, ';') .. '|' .. table.concat(pend, ';')
"""


class _Redis:
    def __init__(self) -> None:
        from scenic_ops.core import redis_sentinel

        url = settings.REDIS_URL
        if redis_sentinel.is_sentinel(url):
            self.client = redis.Redis(connection_pool=redis_sentinel.SentinelPool.from_url(url, socket_timeout=2))
        else:
            self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # The hot scripts go through a lean RESP client; redis-py stays the fallback (Sentinel URLs).
        self.pend = FastScript(url, _PEND, self.client.register_script(_PEND))
        self.publish = FastScript(url, _PUBLISH, self.client.register_script(_PUBLISH))
        self.read = FastScript(url, _READ, self.client.register_script(_READ))
        self.prefix = f"scenic:{settings.SITE_NAME}:tk"


@lru_cache(maxsize=1)
def _redis() -> _Redis:
    return _Redis()


def redis_client() -> redis.Redis:
    return _redis().client


def _state_key(date: dt.date) -> str:
    return f"{_redis().prefix}:inv:{date:%Y%m%d}"


def _pend_key(date: dt.date, window: int) -> str:
    return f"{_redis().prefix}:pend:{date:%Y%m%d}:{window}"


@dataclass(frozen=True)
class Pending:
    date: dt.date
    window: int
    places: dict[int, int]


@dataclass
class Guard:
    """A request check that runs in the same Redis round trip as announcing the places.

    `nonce_key` must not exist yet (replay protection); `rate_key` counts requests in a
    one-minute window against `rate_limit` (0: no limit). `outcome` is set once it ran:
    "ok", "replayed", "rate_limited" or "unavailable" (Redis down: the request proceeds).
    """

    nonce_key: str = ""
    nonce_ttl: int = 600
    rate_key: str = ""
    rate_limit: int = 0
    outcome: str = ""


def _run(date: dt.date | None, window: int, places: dict[int, int], guard: Guard | None) -> int:
    args: list = [WINDOW * (WINDOWS_READ + 1), guard.nonce_ttl if guard else 0, guard.rate_limit if guard else 0]
    for b, n in places.items():
        args += [b, n]
    keys = [
        _pend_key(date, window) if date is not None else f"{_redis().prefix}:pend:none",
        guard.nonce_key if guard else "",
        guard.rate_key if guard else "",
    ]
    return int(_redis().pend(keys=keys, args=args))


def check(guard: Guard) -> str:
    """Run a guard on its own (requests that announce no places)."""
    if guard.outcome:
        return guard.outcome
    try:
        result = _run(None, 0, {}, guard)
    except redis.RedisError:
        result = 0
    guard.outcome = {1: "ok", -1: "replayed", -2: "rate_limited"}.get(result, "unavailable")
    return guard.outcome


def pend(date: dt.date, takes: list[Take], *, guard: Guard | None = None) -> Pending | None:
    """Announce places about to be taken (before the transaction), after the guard passes."""
    places = {t.bucket: t.used + t.reserved for t in merge(takes) if t.used + t.reserved > 0}
    if not places and guard is None:
        return None
    window = int(time.time()) // WINDOW
    try:
        result = _run(date, window, places, guard)
    except redis.RedisError:
        if guard is not None:
            guard.outcome = "unavailable"
        return None  # the view may lag by one booking; MariaDB stays exact
    if guard is not None:
        guard.outcome = {1: "ok", -1: "replayed", -2: "rate_limited"}.get(result, "unavailable")
        if result != 1:
            return None
    return Pending(date, window, places) if places else None


def _rows(bucket_ids: Iterable[int] | None, date: dt.date | None) -> list[tuple]:
    with connection.cursor() as cur:
        if bucket_ids is not None:
            ids = sorted(set(bucket_ids))
            if not ids:
                return []
            marks = ",".join(["%s"] * len(ids))
            cur.execute(
                f"SELECT id, date, seq, capacity, used, reserved, closed FROM ticketing_bucket WHERE id IN ({marks})",
                ids,
            )
        else:
            cur.execute(
                "SELECT id, date, seq, capacity, used, reserved, closed FROM ticketing_bucket WHERE date = %s", [date]
            )
        return cur.fetchall()


def publish(bucket_ids: Iterable[int] | None = None, *, pending: Pending | None = None, date=None) -> None:
    """After COMMIT (or rollback): push the buckets' committed state, drop the pending places."""
    rows = _rows(bucket_ids, date) if (bucket_ids is not None or date is not None) else []
    publish_rows(rows, pending=pending)


def publish_rows(rows: list[tuple], *, pending: Pending | None = None) -> None:
    """Push committed rows (id, date, seq, capacity, used, reserved, closed) to the view."""
    by_date: dict[dt.date, list[tuple]] = {}
    for row in rows:
        by_date.setdefault(row[1], []).append(row)
    if pending is not None:
        by_date.setdefault(pending.date, [])
    r = _redis()
    try:
        for day, day_rows in by_date.items():
            pairs = pending.places if pending is not None and pending.date == day else {}
            args: list = [STATE_TTL, len(pairs)]
            for b, n in pairs.items():
                args += [b, n]
            for bid, _d, seq, cap, used, res, closed in day_rows:
                args += [bid, seq, f"{cap}:{used}:{res}:{1 if closed else 0}"]
            window = pending.window if pending is not None and pending.date == day else 0
            r.publish(keys=[_state_key(day), _pend_key(day, window)], args=args)
    except redis.RedisError:
        pass  # readers rebuild from MariaDB when the view misses a bucket


def view(date: dt.date, needed: Iterable[int]) -> dict[int, BucketState]:
    """The current state of a date's buckets for display, from Redis (rebuilt from MariaDB if missing)."""
    return view_with_token(date, needed)[0]


def read_raw(date: dt.date) -> bytes | None:
    """The date's view as one string from Redis: "id:seq:cap:used:res:closed;…|id:n;…" (None if down)."""
    window = int(time.time()) // WINDOW
    try:
        return _redis().read(keys=_read_keys(date, window))
    except redis.RedisError:
        return None


@lru_cache(maxsize=256)
def _read_keys(date: dt.date, window: int) -> list[str]:
    return [_state_key(date)] + [_pend_key(date, window - k) for k in range(WINDOWS_READ)]


def parse(raw: bytes | None) -> dict[int, BucketState]:
    states: dict[int, BucketState] = {}
    if not raw:
        return states
    state_text, _bar, pend_text = raw.decode().partition("|")
    pending: dict[int, int] = {}
    for item in pend_text.split(";") if pend_text else ():
        bid, n = item.split(":")
        pending[int(bid)] = pending.get(int(bid), 0) + int(n)
    for item in state_text.split(";") if state_text else ():
        bid, seq, cap, used, res, closed = item.split(":")
        key = int(bid)
        states[key] = BucketState(int(seq), int(cap), int(used), int(res), closed == "1", pending.get(key, 0))
    return states


def view_with_token(
    date: dt.date, needed: Iterable[int], raw: bytes | None = None
) -> tuple[dict[int, BucketState], bytes | None]:
    """`view`, plus the raw Redis answer it was computed from (None when rebuilt from MariaDB):
    two equal tokens mean equal states, so a rendering of the first can be reused."""
    raw = read_raw(date) if raw is None else raw
    states = parse(raw)
    if not set(needed).issubset(states):
        pending = {bid: st.pending for bid, st in states.items()}
        rows = _rows(None, date)
        _publish_rows(date, rows)
        states = {
            bid: BucketState(seq, cap, used, res, bool(closed), pending.get(bid, 0))
            for bid, _d, seq, cap, used, res, closed in rows
        }
        raw = None
    return states, raw


def _publish_rows(date: dt.date, rows: list[tuple]) -> None:
    args: list = [STATE_TTL, 0]
    for bid, _d, seq, cap, used, res, closed in rows:
        args += [bid, seq, f"{cap}:{used}:{res}:{1 if closed else 0}"]
    try:
        _redis().publish(keys=[_state_key(date), _pend_key(date, 0)], args=args)
    except redis.RedisError:
        pass


def forget(date: dt.date) -> None:
    """Drop a date's Redis view (tests, or after a bulk repair); readers rebuild it."""
    try:
        redis_client().delete(_state_key(date))
    except redis.RedisError:
        pass
