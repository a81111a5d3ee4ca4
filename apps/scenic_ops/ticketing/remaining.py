"""The remaining-places view: what visitors and partners poll, kept in Redis, never more than is true.

Redis keeps, per date, the newest committed state of each bucket as
``seq:capacity:used:reserved:closed``; writers publish after COMMIT and a state only replaces an
older `seq`. To never show more than really remains, a booking adds its places to a short-lived
*pending* hash before its transaction and removes them in the same Redis script that publishes
the committed state; readers subtract pending places. Pending hashes are per 10-second window
and expire, so a crashed worker's pending places vanish within a minute (they only ever make the
view more cautious). MariaDB stays the source of truth: a view that misses a bucket is rebuilt
from it.

The pending script also runs a partner request's guard (replay nonce, rate limit) in the same
round trip. The two hot scripts go through `fastredis` (see `bench/redis_client.py`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import redis
from django.conf import settings
from django.db import connection

from scenic_ops.ticketing import sql
from scenic_ops.ticketing.fastredis import FastScript
from scenic_ops.ticketing.inventory import Take, merge

STATE_TTL = 6 * 3600
WINDOW = 10
WINDOWS_READ = 6  # pending places count for up to a minute


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


def _rows(bucket_ids: Iterable[int] | None, date: dt.date | None) -> list[dict]:
    with connection.cursor() as cur:
        return sql.bucket_states(cur, ids=list(bucket_ids) if bucket_ids is not None else None, date=date)


def publish(bucket_ids: Iterable[int] | None = None, *, pending: Pending | None = None, date=None) -> None:
    """After COMMIT (or rollback): push the buckets' committed state, drop the pending places."""
    rows = _rows(bucket_ids, date) if (bucket_ids is not None or date is not None) else []
    publish_rows(rows, pending=pending)


def publish_rows(rows: list[dict], *, pending: Pending | None = None) -> None:
    """Push committed bucket states ({id, date, seq, capacity, used, reserved, closed}) to the view."""
    by_date: dict[dt.date, list[dict]] = {}
    for row in rows:
        by_date.setdefault(row["date"], []).append(row)
    if pending is not None:
        by_date.setdefault(pending.date, [])
    r = _redis()
    try:
        for day, day_rows in by_date.items():
            pairs = pending.places if pending is not None and pending.date == day else {}
            args: list = [STATE_TTL, len(pairs)]
            for b, n in pairs.items():
                args += [b, n]
            args += _state_args(day_rows)
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
            r["id"]: BucketState(
                r["seq"], r["capacity"], r["used"], r["reserved"], bool(r["closed"]), pending.get(r["id"], 0)
            )
            for r in rows
        }
        raw = None
    return states, raw


def _state_args(rows: list[dict]) -> list:
    args: list = []
    for r in rows:
        args += [r["id"], r["seq"], f"{r['capacity']}:{r['used']}:{r['reserved']}:{1 if r['closed'] else 0}"]
    return args


def _publish_rows(date: dt.date, rows: list[dict]) -> None:
    args: list = [STATE_TTL, 0, *_state_args(rows)]
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
