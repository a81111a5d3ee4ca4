"""Counting people and vehicles: gate passages, device pushes, operator corrections.

`record_passages` is on the gates' hot path: one upsert into a sharded hourly counter
(plus one insert when the caller gives a de-duplication key), then, after commit, one
Redis round trip that bumps the live version, wakes the SSE streams and coalesces a level
check. Nothing else runs inline.
"""

from __future__ import annotations

import contextlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from scenic_ops.core import audit
from scenic_ops.core.models import Zone
from scenic_ops.flow import live, sql
from scenic_ops.flow.errors import FlowCode, FlowError
from scenic_ops.flow.models import CountAdjustment, ParkingLot
from scenic_ops.flow.models.counts import SITE_KEY

SHARDS = 8
CLOCK_TOLERANCE = timedelta(seconds=120)
MAX_LATENESS = timedelta(hours=48)
MAX_PER_CALL = 10_000
_PLACES_TTL = 60.0


@dataclass(frozen=True)
class Place:
    key: int
    code: str
    kind: str


_places: dict[str, Place] = {}
_places_loaded = 0.0


def _load_places() -> None:
    global _places_loaded
    _places.clear()
    for pk, code, kind in Zone.objects.filter(active=True).values_list("pk", "code", "kind"):
        _places[code] = Place(pk, code, kind)
    _places_loaded = time.monotonic()


def place(code: str | None) -> Place | None:
    """The place a code names (None or '' is the whole site), from a per-process cache."""
    if not code:
        return None
    if time.monotonic() - _places_loaded > _PLACES_TTL or code not in _places:
        _load_places()
    found = _places.get(code)
    if found is None:
        raise FlowError(FlowCode.UNKNOWN_ZONE, zone=str(code)[:60])
    return found


def forget_places() -> None:
    global _places_loaded
    _places_loaded = 0.0


def check_count(value, field: str, limit: int = MAX_PER_CALL) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FlowError(FlowCode.INVALID_COUNT, field=field)
    if value < 0:
        raise FlowError(FlowCode.NEGATIVE_COUNT, field=field)
    if value > limit:
        raise FlowError(FlowCode.IMPLAUSIBLE_COUNT, field=field, limit=limit)
    return value


def check_time(at, field: str, now: datetime, *, end: datetime | None = None) -> datetime:
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.strip())
        except ValueError:
            raise FlowError(FlowCode.INVALID_TIMESTAMP, field=field) from None
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise FlowError(FlowCode.INVALID_TIMESTAMP, field=field)
    if (end or at) > now + CLOCK_TOLERANCE:
        raise FlowError(FlowCode.FUTURE_TIMESTAMP, field=field, at=timezone.localtime(at).isoformat(timespec="seconds"))
    if at < now - MAX_LATENESS:
        raise FlowError(FlowCode.READING_TOO_OLD, field=field, hours=int(MAX_LATENESS.total_seconds() // 3600))
    return at


def add_counts(zone_key: int, at: datetime, entries: int, exits: int, *, shard: int | None = None) -> None:
    """Add (or, with negative numbers, take back) passages in the local hour of `at`."""
    local = timezone.localtime(at)
    with connection.cursor() as cursor:
        sql.add_counts(
            cursor,
            day=local.date(),
            zone_key=zone_key,
            hour=local.hour,
            shard=random.randrange(SHARDS) if shard is None else shard,
            entries=entries,
            exits=exits,
        )


def passage_statement(
    zone_code: str | None, *, at: datetime, entries: int = 0, exits: int = 0, now: datetime | None = None
) -> tuple[str, list] | None:
    """`record_passages`' counter upsert as (sql, params), for a caller that runs it inside its own
    compound statement (the gates' one-round-trip admission) and calls `flow.live.changed()` once
    that has committed. Checked as `record_passages` checks. None for a car park (its occupancy
    moves too: use `record_passages`)."""
    now = now or timezone.now()
    entries = check_count(entries, "entries")
    exits = check_count(exits, "exits")
    at = check_time(at, "at", now)
    target = place(zone_code)
    if target is not None and target.kind == Zone.Kind.PARKING:
        return None
    local = timezone.localtime(at)
    key = target.key if target else SITE_KEY
    return sql.COUNT_UPSERT, sql.count_params(local.date(), key, local.hour, random.randrange(SHARDS), entries, exits)


def passages_changed() -> None:
    """The live figures move once the caller's transaction (which ran `passage_statement`) commits."""
    live.changed()


def _claim(key: str, now: datetime) -> bool:
    with connection.cursor() as cursor:
        return sql.claim_passage_key(cursor, key, now)


def record_passages(
    zone_code: str | None,
    entries: int = 0,
    exits: int = 0,
    at: datetime | None = None,
    source: str = "",
    *,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Count people passing into (`entries`) and out of (`exits`) a place, at time `at`.

    `zone_code` None counts the whole scenic area (main gates); a zone's code counts a key
    spot (internal gates) or, for a car park, vehicles. Late calls land in the hour they
    happened. With `dedupe_key` (e.g. "scan:<id>") a retried call is applied once.
    Returns False when nothing was applied (a duplicate, or zero passages).
    Call it inside the caller's transaction: the count commits with the scan.
    """
    now = now or timezone.now()
    entries = check_count(entries, "entries")
    exits = check_count(exits, "exits")
    at = check_time(at or now, "at", now)
    target = place(zone_code)
    if dedupe_key is not None and not (isinstance(dedupe_key, str) and 0 < len(dedupe_key) <= 190):
        raise FlowError(FlowCode.INVALID_DEDUPE_KEY)
    if not entries and not exits:
        return False
    # Everything is checked above: nothing below raises a domain error inside the caller's transaction.
    with transaction.atomic(savepoint=False):
        if dedupe_key is not None and not _claim(dedupe_key, now):
            return False
        add_counts(target.key if target else SITE_KEY, at, entries, exits)
        if target is not None and target.kind == Zone.Kind.PARKING:
            ParkingLot.objects.filter(zone_id=target.key).filter(_after_reading(at)).update(
                occupied=F("occupied") + entries - exits, state_at=now
            )
        live.changed()
    return True


def take_back_passages(
    zone_code: str | None, *, entries: int = 0, exits: int = 0, at: datetime, now: datetime | None = None
) -> None:
    """Take back passages counted earlier (a gate scan voided by staff), in the hour they were counted.

    Call inside the caller's transaction; the correction itself is the caller's audited record.
    """
    now = now or timezone.now()
    entries = check_count(entries, "entries")
    exits = check_count(exits, "exits")
    target = place(zone_code)
    if not entries and not exits:
        return
    add_counts(target.key if target else SITE_KEY, at, -entries, -exits)
    live.changed()


def _after_reading(at: datetime):
    from django.db.models import Q

    return Q(reading_at__isnull=True) | Q(reading_at__lt=at)


def correct_in_park(
    zone: Zone | None, counted: int, reason: str, *, user=None, now: datetime | None = None
) -> CountAdjustment:
    """An operator's head count replaces the computed number of people present (audited)."""
    from scenic_ops.flow import selectors

    now = now or timezone.now()
    counted = check_count(counted, "counted", limit=10_000_000)
    day = timezone.localdate(now)
    with transaction.atomic():
        present = selectors.present(zone.pk if zone else SITE_KEY, day)
        adjustment = CountAdjustment(
            zone=zone, day=day, delta=counted - present, counted=counted, reason=reason[:200], created_by=user
        )
        with audit.acting_as(user) if user is not None else contextlib.nullcontext():
            adjustment.save()
        live.changed()
    return adjustment
