"""Gate services: every state change of the access domain, as plain functions.

Other domains and the desk call these (never the tables):
- scan(device, method, value, direction, …)           — validate one credential at a lane (admission.validate)
- heartbeat(device, clock=…, …)                         — a device says it is alive; clock offset recorded
- create_device(lane, code, name, …) -> (device, key)   — a gate device with its own API key (shown once)
- rotate_device_key(device) -> key
- whitelist(device, day, since=None)                    — the signed offline whitelist
- upload_offline(device, batch, rows)                   — reconcile offline scans
- bind_credential(kind, value, id_number=… | ticket_code=…, consent=True)
- post_correction(kind, gate=…, scan=…, reason=…, user=…)
- resolve_conflict(conflict, status, note, user)
- flush_scan_buffer()
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scenic_ops.access import admission, config, credentials, offline, scanlog
from scenic_ops.access.answers import Answer, ScanRequest
from scenic_ops.access.config import DeviceInfo
from scenic_ops.access.errors import AccessCode, AccessError
from scenic_ops.access.models import Conflict, Gate, GateDevice, Lane, Scan, ScanCorrection
from scenic_ops.core import apikeys, audit

SCOPE = "gate:validate"
BIND_SCOPE = "gate:bind"
RETRIED = (1213, 1205)  # deadlock victim, lock wait timeout: the transaction was rolled back, run it again


def retrying(func, *args, attempts: int = 3, **kwargs):
    """Run a transaction again when MariaDB chose it as a deadlock victim (nothing of it was applied)."""
    from django.db import OperationalError, connection

    for attempt in range(attempts):
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            # Inside a caller's transaction the victim is the caller's whole transaction: theirs to retry.
            retry = not connection.in_atomic_block and exc.args and exc.args[0] in RETRIED
            if attempt == attempts - 1 or not retry:
                raise
    raise AssertionError("unreachable")


def clock_tolerance() -> dt.timedelta:
    return dt.timedelta(seconds=int(settings.SITE.get("access", "clock_tolerance_seconds", 120)))


def check_clock(clock: dt.datetime | None, now: dt.datetime) -> None:
    """Refuse a gate whose clock is far off: its offline scans and heartbeats would be misplaced in time."""
    if clock is None:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="clock (the gate's time) is required")
    offset = (clock - now).total_seconds()
    limit = clock_tolerance().total_seconds()
    if abs(offset) > limit:
        raise AccessError(AccessCode.GATE_CLOCK_OFF, offset=int(offset), limit=int(limit))


def scan(
    device: DeviceInfo,
    method: str,
    value: str,
    direction: str,
    *,
    now: dt.datetime | None = None,
    device_scan_id: str | None = None,
    bind: dict | None = None,
) -> Answer:
    if bind is not None and (not isinstance(bind, dict) or bind.get("consent") is not True):
        raise AccessError(AccessCode.CONSENT_REQUIRED)
    req = ScanRequest(
        device=device,
        method=method,
        value=value,
        direction=direction,
        now=now or timezone.now(),
        device_scan_id=device_scan_id,
        bind=bind,
    )
    return retrying(admission.validate, req)


def heartbeat(
    device: DeviceInfo,
    *,
    clock: dt.datetime | None,
    whitelist_version: int | None = None,
    offline_queue: int = 0,
    firmware: str = "",
    now: dt.datetime | None = None,
) -> dict:
    now = now or timezone.now()
    if clock is None:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="clock (the gate's time) is required")
    offset_ms = int((clock - now).total_seconds() * 1000)
    fields = {"last_heartbeat_at": now, "clock_offset_ms": offset_ms, "offline_queue": max(0, int(offline_queue))}
    if whitelist_version is not None:
        fields["whitelist_version"] = int(whitelist_version)
    if firmware:
        fields["firmware"] = str(firmware)[:40]
    GateDevice.objects.filter(pk=device.id).update(**fields)  # no audit entry for a heartbeat
    limit = clock_tolerance().total_seconds() * 1000
    return {
        "server_time": now.isoformat(),
        "clock_offset_ms": offset_ms,
        "clock_ok": abs(offset_ms) <= limit,
        "device": device.code,
        "lane": device.lane.code,
        "direction": device.lane.direction,
    }


def create_device(lane: Lane, code: str, name: str, *, user=None, **fields) -> tuple[GateDevice, str]:
    """Add a gate device with its own API key; the key's secret is returned once."""
    with transaction.atomic(), audit.acting_as(user) if user else _nothing():
        issued = apikeys.issue(f"gate {code}", kind="device", scopes=[SCOPE], subject=f"gate-device:{code}")
        device = GateDevice.objects.create(lane=lane, code=code, name=name, api_key=issued.key, **fields)
    transaction.on_commit(config.forget)
    return device, issued.secret


def rotate_device_key(device: GateDevice, *, user=None) -> str:
    with transaction.atomic(), audit.acting_as(user) if user else _nothing():
        old = device.api_key
        issued = apikeys.issue(
            f"gate {device.code}", kind="device", scopes=[SCOPE], subject=f"gate-device:{device.code}"
        )
        device.api_key = issued.key
        device.save(update_fields=["api_key", "updated_at"])
        if old is not None:
            apikeys.revoke(old)
    transaction.on_commit(config.forget)
    return issued.secret


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def whitelist(device: DeviceInfo, day: dt.date, *, since: int | None = None, now=None) -> dict:
    return offline.build(device, day, since=since, now=now)


def upload_offline(device: DeviceInfo, batch: str, rows, *, now=None) -> dict:
    return retrying(offline.upload, device, batch, rows, now=now)


def bind_credential(kind: str, value: str, *, consent, id_number: str = "", ticket_code: str = "", **kw):
    return credentials.bind_for_visitor(
        kind, value, id_number=id_number, ticket_code=ticket_code, consent=consent, **kw
    )


def flush_scan_buffer() -> int:
    return scanlog.flush()


# --- corrections ------------------------------------------------------------------------------------
def post_correction(
    kind: str,
    *,
    reason: str,
    gate: Gate | None = None,
    scan: Scan | None = None,
    ticket_id: int | None = None,
    at: dt.datetime | None = None,
    user=None,
    now: dt.datetime | None = None,
) -> ScanCorrection:
    """Correct the counts with a reason (audited); the scan log itself is never edited."""
    from scenic_ops.flow import services as flow

    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise AccessError(AccessCode.REASON_REQUIRED)
    entries = exits = 0
    if kind == ScanCorrection.Kind.VOID:
        if scan is None or not scan.counted or not scan.passed:
            raise AccessError(AccessCode.NOT_VOIDABLE)
        gate = Gate.objects.get(pk=scan.gate_id)
        at = scan.at
        ticket_id = scan.ticket_id
        if scan.direction == "in":
            entries = -1
        else:
            exits = -1
    elif kind in (ScanCorrection.Kind.MANUAL_ENTRY, ScanCorrection.Kind.MANUAL_EXIT):
        if gate is None:
            raise AccessError(AccessCode.INVALID_REQUEST, reason="gate is required")
        at = at or now
        if kind == ScanCorrection.Kind.MANUAL_ENTRY:
            entries = 1
        else:
            exits = 1
    else:
        raise AccessError(AccessCode.INVALID_REQUEST, reason=f"unknown correction {kind}")
    zone_code = None if gate.scope == Gate.Scope.SITE else gate.zone.code
    with transaction.atomic(), audit.acting_as(user) if user else _nothing():
        if scan is not None and ScanCorrection.objects.select_for_update().filter(scan=scan).exists():
            raise AccessError(AccessCode.ALREADY_CORRECTED)
        correction = ScanCorrection(
            kind=kind,
            gate=gate,
            scan=scan,
            ticket_id=ticket_id,
            at=at,
            reason=reason[:200],
            entries=entries,
            exits=exits,
            created_by=user if getattr(user, "pk", None) else None,
        )
        try:
            correction.save()
        except Exception as exc:  # the one-to-one on the scan: someone voided it a moment ago
            from django.db import IntegrityError

            if isinstance(exc, IntegrityError):
                raise AccessError(AccessCode.ALREADY_CORRECTED) from None
            raise
        if entries > 0 or exits > 0:
            flow.record_passages(
                zone_code,
                entries=max(entries, 0),
                exits=max(exits, 0),
                at=at,
                source=f"correction:{correction.pk}",
                dedupe_key=f"access:correction:{correction.pk}",
                now=now,
            )
        else:
            flow.take_back_passages(zone_code, entries=-entries, exits=-exits, at=at)
    return correction


def resolve_conflict(conflict: Conflict, status: str, *, note: str = "", user=None, now=None) -> Conflict:
    """Staff looked at an offline conflict: a second person did enter, or it was the same person."""
    now = now or timezone.now()
    if status not in (Conflict.Status.CONFIRMED, Conflict.Status.DISMISSED):
        raise AccessError(AccessCode.INVALID_REQUEST, reason="status must be confirmed or dismissed")
    with transaction.atomic(), audit.acting_as(user) if user else _nothing():
        locked = Conflict.objects.select_for_update().get(pk=conflict.pk)
        if locked.status != Conflict.Status.OPEN:
            raise AccessError(AccessCode.CONFLICT_CLOSED)
        locked.status = status
        locked.note = (note or "")[:200]
        locked.resolved_at = now
        locked.resolved_by = user if getattr(user, "pk", None) else None
        locked.save()
        if status == Conflict.Status.CONFIRMED:
            scan = locked.scan
            post_correction(
                ScanCorrection.Kind.MANUAL_ENTRY if scan.direction == "in" else ScanCorrection.Kind.MANUAL_EXIT,
                gate=Gate.objects.get(pk=scan.gate_id),
                ticket_id=scan.ticket_id,
                at=scan.at if scan.at >= now - dt.timedelta(hours=47) else now,
                reason=f"offline conflict #{locked.pk}: {locked.note or 'second person confirmed'}",
                user=user,
                now=now,
            )
    return locked
