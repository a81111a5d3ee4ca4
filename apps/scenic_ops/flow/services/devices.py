"""Device pushes: people counters, video analytics, car-park barriers and sensors, queue sensors.

A push carries readings stamped with the device's own clock. Every reading is checked
before anything is applied; one bad reading rejects the whole push (nothing half-applied).
A reading for an interval already received is a duplicate (same figures: ignored) or a
correction (other figures: the difference is applied). Late readings land in the hour they
describe. Pushes of one device are serialised by a row lock on the device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import apikeys
from scenic_ops.flow import live
from scenic_ops.flow.errors import FlowCode, FlowError
from scenic_ops.flow.models import CountingDevice, DeviceReading, ParkingLot, WaitQueue
from scenic_ops.flow.models.counts import SITE_KEY
from scenic_ops.flow.services.counting import add_counts, check_count, check_time

MAX_READINGS = 1440
Kind = CountingDevice.Kind
COUNT_KINDS = {Kind.PEOPLE_COUNTER, Kind.VIDEO, Kind.PARKING_BARRIER}
FREE_KINDS = {Kind.PARKING_BARRIER, Kind.PARKING_SENSOR}
LENGTH_KINDS = {Kind.QUEUE_SENSOR}


@dataclass
class Reading:
    start: datetime
    seconds: int = 0
    entries: int = 0
    exits: int = 0
    free: int | None = None
    length: int | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def figures(self) -> tuple:
        return (self.seconds, self.entries, self.exits, self.free, self.length)


@dataclass
class PushResult:
    accepted: int = 0
    duplicates: int = 0
    corrected: int = 0
    stale: int = 0
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "corrected": self.corrected,
            "stale": self.stale,
        }


def device_for(code, key=None) -> CountingDevice:
    """The device a push names; its API key must be the device's own (or carry flow:push_any)."""
    device = CountingDevice.objects.select_related("zone", "queue").filter(code=str(code or "")[:40]).first()
    if device is None:
        raise FlowError(FlowCode.UNKNOWN_DEVICE, device=str(code)[:40])
    if key is not None and device.api_key_id != key.pk and "flow:push_any" not in (key.scopes or []):
        raise FlowError(FlowCode.DEVICE_KEY_MISMATCH, device=device.code)
    if not device.active:
        raise FlowError(FlowCode.DEVICE_INACTIVE, device=device.code)
    return device


def _row(device: CountingDevice, raw, now: datetime) -> Reading:
    if not isinstance(raw, dict):
        raise FlowError(FlowCode.INVALID_TIMESTAMP, field="start")
    kind = device.get_kind_display()
    allowed: set[str] = set()
    if device.kind in COUNT_KINDS:
        allowed |= {"start", "seconds", "entries", "exits"}
    if device.kind in FREE_KINDS:
        allowed |= {"at", "free"}
    if device.kind in LENGTH_KINDS:
        allowed |= {"at", "length"}
    for name in raw:
        if name not in allowed:
            raise FlowError(FlowCode.WRONG_READING_KIND, kind=kind, field=str(name)[:40])
    if "free" in raw or "length" in raw:
        at = check_time(raw.get("at"), "at", now)
        if "free" in raw:
            return Reading(start=at, free=check_count(raw["free"], "free", limit=100_000))
        return Reading(start=at, length=check_count(raw["length"], "length", limit=100_000))
    if "start" not in raw:
        raise FlowError(FlowCode.INVALID_TIMESTAMP, field="start")
    seconds = raw.get("seconds", device.interval_seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= 3600:
        raise FlowError(FlowCode.INVALID_INTERVAL)
    start = raw["start"]
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start.strip())
        except ValueError:
            raise FlowError(FlowCode.INVALID_TIMESTAMP, field="start") from None
    if not isinstance(start, datetime) or timezone.is_naive(start):
        raise FlowError(FlowCode.INVALID_TIMESTAMP, field="start")
    start = check_time(start, "start", now, end=start + timedelta(seconds=seconds))
    limit = 20 * seconds + 100  # far above what passes a counting line
    return Reading(
        start=start,
        seconds=seconds,
        entries=check_count(raw.get("entries", 0), "entries", limit=limit),
        exits=check_count(raw.get("exits", 0), "exits", limit=limit),
    )


def parse(device: CountingDevice, rows, now: datetime) -> list[Reading]:
    """Check every reading; raise one error naming each bad row, so nothing is applied."""
    if not isinstance(rows, list) or not rows:
        raise FlowError(FlowCode.NO_READINGS)
    if len(rows) > MAX_READINGS:
        raise FlowError(FlowCode.TOO_MANY_READINGS, limit=MAX_READINGS)
    readings: list[Reading] = []
    problems: list[dict] = []
    for index, raw in enumerate(rows):
        try:
            readings.append(_row(device, raw, now))
        except FlowError as exc:
            problems.append({"index": index, "code": exc.code, "detail": exc.detail})
    if problems:
        first = problems[0]
        detail = first["detail"]
        if len(problems) > 1:
            detail = _("{detail} (and {more} more bad readings; see rows)").format(
                detail=detail, more=len(problems) - 1
            )
        raise FlowError(first["code"], detail, rows=problems)
    seen: dict[datetime, tuple] = {}
    for reading in readings:
        if reading.start in seen and seen[reading.start] != reading.figures():
            raise FlowError(FlowCode.CONFLICTING_READINGS)
        seen[reading.start] = reading.figures()
    return readings


def push(device: CountingDevice, rows, *, key=None, now: datetime | None = None) -> PushResult:
    """Apply a device's push (see the module docstring). Raises FlowError and applies nothing on bad input."""
    now = now or timezone.now()
    readings = parse(device, rows, now)
    unique: dict[datetime, Reading] = {r.start: r for r in readings}
    result = PushResult()
    zone_key = device.zone_id or SITE_KEY
    lot = None
    with transaction.atomic():
        CountingDevice.objects.select_for_update().filter(pk=device.pk).values_list("pk").first()
        if device.zone_id and device.kind in (Kind.PARKING_BARRIER, Kind.PARKING_SENSOR):
            lot = ParkingLot.objects.select_for_update().filter(zone_id=device.zone_id).first()
        stored = {r.start: r for r in DeviceReading.objects.filter(device=device, start__in=list(unique))}
        for start in sorted(unique):
            reading = unique[start]
            old = stored.get(start)
            if old is not None and (old.seconds, old.entries, old.exits, old.free, old.length) == reading.figures():
                result.duplicates += 1
                continue
            if old is None:
                DeviceReading.objects.create(
                    device=device,
                    start=start,
                    seconds=reading.seconds,
                    entries=reading.entries,
                    exits=reading.exits,
                    free=reading.free,
                    length=reading.length,
                    received_at=now,
                )
                d_entries, d_exits = reading.entries, reading.exits
                result.accepted += 1
            else:
                d_entries, d_exits = reading.entries - old.entries, reading.exits - old.exits
                DeviceReading.objects.filter(pk=old.pk).update(
                    seconds=reading.seconds,
                    entries=reading.entries,
                    exits=reading.exits,
                    free=reading.free,
                    length=reading.length,
                    revision=F("revision") + 1,
                    received_at=now,
                )
                result.corrected += 1
            if reading.free is not None:
                result.stale += not _apply_free(lot, reading, now)
            elif reading.length is not None:
                result.stale += not _apply_length(device, reading, now)
            elif d_entries or d_exits:
                add_counts(zone_key, reading.start, d_entries, d_exits)
                if lot is not None and (lot.reading_at is None or reading.end > lot.reading_at):
                    ParkingLot.objects.filter(pk=lot.pk).update(
                        occupied=F("occupied") + d_entries - d_exits, state_at=now
                    )
        newest = max(unique)
        CountingDevice.objects.filter(pk=device.pk).update(
            last_seen_at=now,
            accepted_count=F("accepted_count") + result.accepted + result.corrected,
        )
        CountingDevice.objects.filter(pk=device.pk).filter(
            Q(last_reading_at__isnull=True) | Q(last_reading_at__lt=newest)
        ).update(last_reading_at=newest)
        if result.accepted or result.corrected:
            live.changed()
    return result


def _apply_free(lot: ParkingLot | None, reading: Reading, now: datetime) -> bool:
    if lot is None:
        return False
    updated = (
        ParkingLot.objects.filter(pk=lot.pk)
        .filter(Q(reading_at__isnull=True) | Q(reading_at__lte=reading.start))
        .update(occupied=max(0, lot.spaces - reading.free), reading_at=reading.start, state_at=now)
    )
    if updated:
        lot.reading_at = reading.start
    return bool(updated)


def _apply_length(device: CountingDevice, reading: Reading, now: datetime) -> bool:
    if device.queue_id is None:
        return False
    return bool(
        WaitQueue.objects.filter(pk=device.queue_id)
        .filter(Q(state_at__isnull=True) | Q(state_at__lte=reading.start))
        .update(length=reading.length, state_at=reading.start)
    )


def record_rejection(device: CountingDevice | None, error: FlowError, *, now: datetime | None = None) -> None:
    """Keep feed health visible: count the rejected push and remember why."""
    if device is None:
        return
    now = now or timezone.now()
    CountingDevice.objects.filter(pk=device.pk).update(
        rejected_count=F("rejected_count") + 1,
        last_error=f"{error.code}: {error.detail}"[:200],
        last_error_at=now,
        last_seen_at=now,
    )


def issue_key(device: CountingDevice) -> str:
    """Give the device a fresh API key (scope flow:push); the old one is revoked. Returns the secret."""
    with transaction.atomic():
        if device.api_key is not None:
            apikeys.revoke(device.api_key)
        issued = apikeys.issue(
            f"flow device {device.code}", kind="device", scopes=["flow:push"], subject=f"flow-device:{device.code}"
        )
        device.api_key = issued.key
        device.save(update_fields=["api_key", "updated_at"])
    return issued.secret
