"""Deciding a scan with the ticket's row locked: every scan but the usual first entry.

A used ticket, a re-entry, an exit, a multi-use or bundle ticket, a partner's ticket, an ID card
or a face: the ticket is locked (`ticketing.gate.lock`), the decision is taken from its state,
the visitor's presence and the product's rule, the scan is appended and the passage counted —
all in the caller's transaction. Offline uploads decide each row the same way, with the gate's
own time, and turn "already used" into a reconciliation conflict instead of a refusal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scenic_ops.access import config, scanlog, sql
from scenic_ops.access.answers import IN, OUT, Answer, ScanRequest, date_context, gate_context, product_context
from scenic_ops.access.answers import time_context as _time_ctx
from scenic_ops.access.config import COMPONENT, CONSUME, PASS, LaneInfo, Snapshot
from scenic_ops.access.errors import Reason
from scenic_ops.access.windows import window_refusal
from scenic_ops.flow import services as flow
from scenic_ops.ticketing import catalog, gate
from scenic_ops.ticketing.gate import GateTicket

STATUS_REASON = {
    "refunded": Reason.REFUNDED,
    "cancelled": Reason.CANCELLED,
    "held": Reason.NOT_PAID,
    "expired": Reason.NOT_PAID,
}
COUNT_WINDOW = dt.timedelta(hours=47)  # flow accepts passages up to 48 h late
SECOND_PASSAGE = (Reason.USED, Reason.PASSBACK, Reason.REENTRY_LIMIT)


def count(lane: LaneInfo, direction: str, at: dt.datetime, *, now: dt.datetime, dedupe_key: str | None = None) -> bool:
    """Move the site's in-park count (perimeter gates) or the zone's count (internal gates)."""
    entries, exits = (1, 0) if direction == IN else (0, 1)
    return flow.record_passages(
        lane.zone_code,
        entries=entries,
        exits=exits,
        at=at,
        source=f"gate:{lane.code}",
        dedupe_key=dedupe_key,
        now=now,
    )


@dataclass
class Presence:
    inside: bool
    entries: int
    exits: int
    reentries: int


def presence(cursor, ticket_id: int, zone_key: int) -> Presence | None:
    row = sql.presence(cursor, ticket_id, zone_key)
    return None if row is None else Presence(bool(row["inside"]), row["entries"], row["exits"], row["reentries"])


def set_presence(cursor, t: GateTicket, zone_key: int, day: dt.date, *, inside: bool, at, reentry: bool = False):
    sql.set_presence(cursor, ticket_id=t.id, zone_key=zone_key, day=day, inside=inside, at=at, reentry=reentry)


def replay(cursor, device_id: int, device_scan_id: str) -> Answer | None:
    """The answer already given to this device's scan id (a gate retrying after a lost answer)."""
    found = sql.device_scan(cursor, device_id, device_scan_id)
    if found is None:
        return None
    admitted = found["outcome"] in ("admitted", "readmitted", "exited")
    ticket = gate.summary(found["ticket_id"])
    return Answer(
        admitted,
        found["reason"],
        ticket_code=found["ticket_code"],
        name=(ticket.name if ticket and admitted else ""),
        category_id=found["category_id"],
        product_id=found["product_id"],
        check_document=ticket.document if ticket else "",
        uses_left=ticket.uses_left if ticket else None,
        scan_id=found["id"],
        replayed=True,
    )


def decide(
    cursor,
    req: ScanRequest,
    lane: LaneInfo,
    snap: Snapshot,
    today: dt.date,
    mode: str | None,
    *,
    code: str | None = None,
    ticket_id: int | None = None,
) -> Answer:
    """Decide with the ticket locked; append the scan; count the passage.

    `today` is the day of the scan (`req.at`): an offline row is judged on its own day.
    """
    if req.device_scan_id and not req.offline:
        previous = replay(cursor, req.device.id, req.device_scan_id)
        if previous is not None:
            return previous
    t = gate.lock(cursor, code=code, ticket_id=ticket_id)
    if t is None:
        return record(cursor, req, lane, None, Reason.UNKNOWN, ticket_code=code or "")
    cat = catalog.get()
    if mode is None:
        mode = lane.mode(cat.product(t.product_id))
        if mode is None:
            return record(
                cursor, req, lane, t, Reason.WRONG_ENTRANCE, context=product_context(cat.product(t.product_id))
            )
    if t.date != today:
        reason = Reason.EXPIRED if t.date < today else Reason.WRONG_DATE
        return record(cursor, req, lane, t, reason, context=date_context(t.date))
    if req.direction == OUT:
        return _exit(cursor, req, lane, t, mode, today)
    if t.status in STATUS_REASON:
        return record(cursor, req, lane, t, STATUS_REASON[t.status])
    if mode != PASS and not req.offline:  # offline, the gate applied the window with its own whitelist
        if today in snap.closed_days:
            return record(cursor, req, lane, t, Reason.CLOSED_DAY)
        refusal = window_refusal(snap, snap.rule(t.product_id), today, t.start, t.end, req.at)
        if refusal:
            return record(cursor, req, lane, t, refusal[0], context=_time_ctx(refusal[1]))
    place = lane.zone_key
    if mode == PASS:  # an admission ticket at an internal gate: counted, never consumed
        if t.used_count == 0:
            return record(cursor, req, lane, t, Reason.NOT_ENTERED)
        p = presence(cursor, t.id, place)
        if p is not None and p.inside and lane.anti_passback:
            return _passback(cursor, req, lane, snap, t, place)
        set_presence(cursor, t, place, today, inside=True, at=req.at)
        return record(cursor, req, lane, t, Reason.ADMITTED, counted=True)
    p = presence(cursor, t.id, place)
    if mode == COMPONENT and p is None:  # a bundle's part, first use here
        set_presence(cursor, t, place, today, inside=True, at=req.at)
        consumed = False
        if t.status == "valid" and t.used_count < t.uses_allowed:
            consumed = gate.consume_use(cursor, day=today, at=req.at, ticket_id=t.id)
            t.used_count += 1
        return record(cursor, req, lane, t, Reason.ADMITTED, counted=True, consumed=consumed)
    if mode == CONSUME and t.status == "valid" and t.used_count < t.uses_allowed:
        if t.used_count > 0 and lane.anti_passback and (p is None or p.inside):
            return _passback(cursor, req, lane, snap, t, place)
        gate.consume_use(cursor, day=today, at=req.at, ticket_id=t.id)
        t.used_count += 1
        if p is not None:
            set_presence(cursor, t, place, today, inside=True, at=req.at)
        return record(cursor, req, lane, t, Reason.ADMITTED, counted=True, consumed=True)
    return _reentry(cursor, req, lane, snap, t, p, place, today)


def _reentry(cursor, req, lane, snap, t: GateTicket, p: Presence | None, place: int, today) -> Answer:
    rule = snap.rule(t.product_id)
    if rule.reentry == "none":
        last = sql.last_passage(cursor, t.id) or {}
        context = gate_context(snap, last.get("gate_id"), last.get("at") or t.first_used_at)
        return record(cursor, req, lane, t, Reason.USED, context=context)
    if lane.anti_passback and (p is None or p.inside):
        return _passback(cursor, req, lane, snap, t, place)
    if rule.reentry == "times" and p is not None and p.reentries >= rule.reentry_times:
        return record(cursor, req, lane, t, Reason.REENTRY_LIMIT)
    set_presence(cursor, t, place, today, inside=True, at=req.at, reentry=True)
    return record(cursor, req, lane, t, Reason.READMITTED, counted=True)


def _passback(cursor, req, lane, snap, t: GateTicket, place: int) -> Answer:
    last = sql.last_passage(cursor, t.id, place) or {}
    context = gate_context(snap, last.get("gate_id"), last.get("at") or t.first_used_at)
    return record(cursor, req, lane, t, Reason.PASSBACK, context=context)


def _exit(cursor, req, lane, t: GateTicket, mode: str, today) -> Answer:
    place = lane.zone_key
    p = presence(cursor, t.id, place)
    if p is None:
        seen = sql.last_passage(cursor, t.id, place) is not None
        entered = seen or (place == 0 and t.used_count > 0 and mode == CONSUME)
    else:
        entered = p.inside
    if not entered and lane.anti_passback and not req.offline:  # offline, the person has left anyway
        return record(cursor, req, lane, t, Reason.NOT_INSIDE)
    set_presence(cursor, t, place, today, inside=False, at=req.at)
    return record(cursor, req, lane, t, Reason.EXITED, counted=True)


def record(
    cursor,
    req: ScanRequest,
    lane: LaneInfo,
    t: GateTicket | None,
    reason: str,
    *,
    counted: bool = False,
    consumed: bool = False,
    context: dict | None = None,
    ticket_code: str = "",
) -> Answer:
    """Append the decided scan; count it; tell the partner of a consumed use. The answer."""
    outcome = {Reason.ADMITTED: "admitted", Reason.READMITTED: "readmitted", Reason.EXITED: "exited"}.get(
        reason, "denied"
    )
    detail = ""
    conflict = None
    if req.offline:
        # The gate already let this person through: a refusal here is a conflict for staff, not a refusal.
        if outcome == "denied" and reason in SECOND_PASSAGE and t is not None:
            first = sql.first_passage(cursor, t.id) or {}
            first_id, first_at = first.get("id"), first.get("at")
            if first_at is not None and first_at > req.at:  # this offline passage came first: it wins
                outcome, reason = "admitted", Reason.ADMITTED
                conflict = ("duplicate", None, first_id, first_id)
            else:
                outcome, reason = "duplicate", Reason.DUPLICATE
                conflict = ("duplicate", "self", first_id, Reason.USED)
                place = sql.scan_place(cursor, first_id) if first_id else None
                context = gate_context(config.get(), *((place["gate_id"], place["at"]) if place else (None, None)))
        elif outcome == "denied":
            conflict = ("invalid", "self", None, reason)
            detail = str(reason)
        if counted and outcome != "denied" and conflict is None and req.at < req.now - COUNT_WINDOW:
            counted, detail = False, "too late to count"
    scan_id = scanlog.insert(
        cursor,
        **scanlog.origin(req, lane),
        at=req.at,
        outcome=outcome,
        reason=reason if not (req.offline and outcome == "denied") else Reason.INVALID_OFFLINE,
        ticket_id=t.id if t else None,
        ticket_code=t.code if t else ticket_code,
        product_id=t.product_id if t else None,
        category_id=t.category_id if t else None,
        channel=t.channel if t else "",
        counted=counted and conflict is None,
        offline=req.offline,
        upload_id=req.upload_id,
        detail=detail,
    )
    if conflict is not None:
        kind, flagged, first, why = conflict
        if flagged is None:  # the earlier admission on record is the duplicate now
            req.conflicts.append((kind, first, scan_id, Reason.DUPLICATE))
        else:
            req.conflicts.append((kind, scan_id, first, why))
    elif counted and req.offline:
        # Counted after every row is decided: an upload never holds a count row while it waits for a ticket.
        req.passages.append((lane, req.direction, req.at, f"access:scan:{scan_id}"))
    elif counted:
        count(lane, req.direction, req.at, now=req.now)
    if consumed and t is not None and t.partner_id:
        gate.notify_used(t.id, at=req.at, gate=lane.gate_code, entry=t.used_count)
    admitted = outcome != "denied" and outcome != "duplicate"
    return Answer(
        admitted,
        reason,
        ticket_code=t.code if t else ticket_code,
        name=t.name if (t and admitted) else "",
        category_id=t.category_id if t else None,
        product_id=t.product_id if t else None,
        check_document=t.document if t else "",
        uses_left=(t.uses_allowed - t.used_count) if t else None,
        scan_id=scan_id,
        context=context or {},
    )
