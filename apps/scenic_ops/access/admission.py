"""Deciding a scan: admit or refuse, exactly once, and append it to the log.

The validation path, cheapest first:
1. a QR token's Ed25519 signature is checked with the public key in memory: forged and
   malformed codes are refused with no database work (logged through the Redis buffer);
2. the token's claims (date, slot, product) are checked against the cached gate
   configuration: another day, the wrong entrance, too early or too late — still no database;
3. a single-use ticket's first entry (the usual scan) is one transaction of three
   statements: the conditional UPDATE that consumes the use (two lanes scanning at once
   consume it once), one INSERT … SELECT … RETURNING that appends the scan and returns the
   visitor's masked name, and the hourly passage upsert of the visitor-flow counts;
4. everything else (a used ticket, re-entry, exits, multi-use tickets, ID cards, faces)
   locks the ticket row and decides with its state, presence and the product's rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from scenic_ops.access import config, scanlog
from scenic_ops.access.config import COMPONENT, CONSUME, PASS, DeviceInfo, LaneInfo, Snapshot
from scenic_ops.access.errors import AccessCode, AccessError, Reason, reason_text
from scenic_ops.flow import live
from scenic_ops.flow.services import passage_statement
from scenic_ops.ticketing import catalog, gate_support, tokens

IN, OUT = "in", "out"
QR, ID_CARD, SSC, FACE, MANUAL = "qr", "id_card", "ssc", "face", "manual"
METHODS = (QR, ID_CARD, SSC, FACE)

STATUS_REASON = {
    "refunded": Reason.REFUNDED,
    "cancelled": Reason.CANCELLED,
    "held": Reason.NOT_PAID,
    "expired": Reason.NOT_PAID,
}


# --- request and answer --------------------------------------------------------------------
@dataclass
class ScanRequest:
    """One scan to decide. Online, `at` is `now`; an offline row carries the gate's time in `at`."""

    device: DeviceInfo
    method: str
    value: str
    direction: str
    now: dt.datetime
    device_scan_id: str | None = None
    bind: dict[str, Any] | None = None
    at: dt.datetime | None = None
    offline: bool = False
    upload_id: int | None = None
    conflicts: list[tuple] = field(default_factory=list)  # offline: (kind, flagged scan, first scan, reason)
    passages: list[tuple] = field(default_factory=list)  # offline: counted at the end of the upload

    def __post_init__(self) -> None:
        if self.at is None:
            self.at = self.now


@dataclass
class Answer:
    admit: bool
    reason: str
    ticket_code: str = ""
    name: str = ""
    category_id: int | None = None
    product_id: int | None = None
    check_document: str = ""
    uses_left: int | None = None
    scan_id: int | None = None
    context: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        cat = catalog.get()
        out: dict[str, Any] = {
            "admit": self.admit,
            "reason": self.reason,
            "message": {
                "zh": reason_text(self.reason, "zh", **self.context.get("zh", self.context)),
                "en": reason_text(self.reason, "en", **self.context.get("en", self.context)),
            },
        }
        if self.ticket_code:
            out["ticket"] = self.ticket_code
        if self.name:
            out["name"] = self.name
        category = cat.category(self.category_id) if self.category_id else None
        if category is not None:
            out["category"] = {"code": category.code, "zh": category.name, "en": category.name_en or category.name}
            if self.admit and category.needs_document:
                out["check_document"] = {
                    "zh": self.check_document or category.document_label,
                    "en": category.document_label_en or category.document_label or self.check_document,
                }
        elif self.check_document and self.admit:
            out["check_document"] = {"zh": self.check_document, "en": self.check_document}
        product = cat.product(self.product_id) if self.product_id else None
        if product is not None:
            out["product"] = product.code
        if self.uses_left is not None:
            out["uses_left"] = self.uses_left
        if self.scan_id is not None:
            out["scan"] = self.scan_id
        if self.replayed:
            out["replayed"] = True
        return out


def _ctx(snap: Snapshot, gate_id: int | None, at: dt.datetime | None) -> dict[str, Any]:
    when = timezone.localtime(at).strftime("%H:%M:%S") if at else "—"
    return {
        "zh": {"gate": snap.gate_label(gate_id, "zh") or "—", "time": when},
        "en": {"gate": snap.gate_label(gate_id, "en") or "—", "time": when},
    }


# --- tokens -------------------------------------------------------------------------------------
_keys: dict[str, Any] = {}


def _public_keys() -> dict[str, Any]:
    """{kid: Ed25519 public key} of this site, derived once per process."""
    if not _keys:
        _keys[tokens.key_id()] = tokens.public_key()
    return _keys


def read_token(value: str) -> tuple[tokens.Claims | None, str | None]:
    """The verified claims, or the refusal reason (malformed or forged). Never touches the database."""
    if not isinstance(value, str) or len(value) > 512 or value.count(".") != 2 or not value.startswith("SO1."):
        return None, Reason.MALFORMED
    try:
        return tokens.verify(value, key=_public_keys()), None
    except tokens.InvalidToken as exc:
        return None, Reason.MALFORMED if str(exc).startswith("malformed") else Reason.FORGED


# --- time windows ---------------------------------------------------------------------------------
def _hhmm(text: str) -> dt.time:
    return dt.time(int(text[:2]), int(text[3:5]))


def window_refusal(
    snap: Snapshot, rule: config.Rule, day: dt.date, start: dt.time, end: dt.time, now: dt.datetime
) -> tuple[str, dt.datetime] | None:
    """TOO_EARLY / TOO_LATE with the boundary, or None while the ticket may enter (local wall time)."""
    local = timezone.localtime(now).replace(tzinfo=None)
    opens = dt.datetime.combine(day, start) - rule.early
    if local < opens:
        return Reason.TOO_EARLY, opens
    slot_end = dt.datetime.combine(day, end) if end > start else dt.datetime.combine(day, dt.time(23, 59, 59))
    if rule.until == "slot_end":
        closes = slot_end + rule.late
    else:
        closes = max(dt.datetime.combine(day, snap.closing), slot_end) + rule.late
    if local > closes:
        return Reason.TOO_LATE, closes
    return None


def _time_ctx(boundary: dt.datetime) -> dict[str, str]:
    return {"time": boundary.strftime("%H:%M")}


def _date_ctx(day: dt.date) -> dict[str, str]:
    return {"date": day.isoformat()}


# --- counting ---------------------------------------------------------------------------------------
def count(lane: LaneInfo, direction: str, at: dt.datetime, *, now: dt.datetime, dedupe_key: str | None = None) -> bool:
    """Move the site's in-park count (perimeter gates) or the zone's count (internal gates)."""
    from scenic_ops.flow.services import record_passages

    entries, exits = (1, 0) if direction == IN else (0, 1)
    return record_passages(
        lane.zone_code,
        entries=entries,
        exits=exits,
        at=at,
        source=f"gate:{lane.code}",
        dedupe_key=dedupe_key,
        now=now,
    )


# --- the entry point ---------------------------------------------------------------------------------
def validate(req: ScanRequest) -> Answer:
    lane = req.device.lane
    snap = config.get()
    if req.direction not in (IN, OUT):
        raise AccessError(AccessCode.DIRECTION_REQUIRED)
    if lane.direction != "both" and lane.direction != req.direction:
        raise AccessError(AccessCode.DIRECTION_NOT_ALLOWED, lane=lane.code, direction=req.direction)
    today = timezone.localdate(req.now)
    if req.method == QR:
        return _by_token(req, lane, snap, today)
    if req.method in (ID_CARD, SSC, FACE):
        return _by_person(req, lane, snap, today)
    raise AccessError(AccessCode.UNKNOWN_CREDENTIAL_TYPE, type=str(req.method)[:20])


def _refuse_early(
    req: ScanRequest,
    reason: str,
    *,
    code: str = "",
    product_id: int | None = None,
    category_id: int | None = None,
    context: dict | None = None,
) -> Answer:
    """A refusal decided without the database: answered now, logged through the buffer."""
    lane = req.device.lane
    scanlog.buffer(
        **scanlog.origin(req, lane),
        at=req.at,
        outcome="denied",
        reason=reason,
        ticket_code=code,
        product_id=product_id,
        category_id=category_id,
    )
    return Answer(
        False, reason, ticket_code=code, product_id=product_id, category_id=category_id, context=context or {}
    )


# --- QR codes -----------------------------------------------------------------------------------------
# One round trip appends the scan and returns what the answer shows: RETURNING gives one text
# column (scan id, ticket id, partner id, document, masked name), as each column of a result
# set costs a descriptor to parse in the pure-Python driver.
_ADMIT_SQL = (
    "INSERT INTO access_scan (at, received_at, device_id, lane_id, gate_id, direction, method, outcome, reason, "
    "ticket_id, ticket_code, product_id, category_id, channel, zone_key, counted, offline, device_scan_id, detail) "
    "SELECT %s, %s, %s, %s, %s, 'in', 'qr', 'admitted', 'admitted', t.id, t.code, t.product_id, t.category_id, "
    "o.channel, %s, 1, 0, %s, '' FROM ticketing_ticket t JOIN ticketing_order o ON o.id = t.order_id "
    "WHERE t.code = %s "
    "RETURNING CONCAT_WS(CHAR(31), id, ticket_id, "
    "IFNULL((SELECT y.partner_id FROM ticketing_order y JOIN ticketing_ticket x ON x.order_id = y.id "
    "WHERE x.id = ticket_id), 0), "
    "(SELECT x.check_document FROM ticketing_ticket x WHERE x.id = ticket_id), "
    "(SELECT x.name_masked FROM ticketing_ticket x WHERE x.id = ticket_id))"
)


def _by_token(req: ScanRequest, lane: LaneInfo, snap: Snapshot, today: dt.date) -> Answer:
    claims, bad = read_token(req.value)
    if claims is None:
        return _refuse_early(req, bad)
    cat = catalog.get()
    product = cat.product(claims.product)
    category = cat.category(claims.category)
    pid, cid = (product.id if product else None), (category.id if category else None)
    if claims.date != today:
        reason = Reason.EXPIRED if claims.date < today else Reason.WRONG_DATE
        return _refuse_early(
            req, reason, code=claims.code, product_id=pid, category_id=cid, context=_date_ctx(claims.date)
        )
    mode = lane.mode(product)
    if mode is None:
        return _refuse_early(
            req,
            Reason.WRONG_ENTRANCE,
            code=claims.code,
            product_id=pid,
            category_id=cid,
            context=_product_ctx(product, claims.product),
        )
    if req.direction == IN and mode != PASS:
        if today in snap.closed_days:
            return _refuse_early(req, Reason.CLOSED_DAY, code=claims.code, product_id=pid, category_id=cid)
        refusal = window_refusal(snap, snap.rule(pid or 0), today, _hhmm(claims.start), _hhmm(claims.end), req.now)
        if refusal:
            return _refuse_early(
                req, refusal[0], code=claims.code, product_id=pid, category_id=cid, context=_time_ctx(refusal[1])
            )
    first_entry = req.direction == IN and mode == CONSUME and claims.uses == 1
    try:
        if first_entry and not connection.in_atomic_block:
            answer = _admitted_in_one_trip(req, lane, claims, today, pid, cid)
            if answer is not None:
                return answer
        with transaction.atomic():
            cursor = connection.cursor()
            if first_entry and gate_support.consume_use(cursor, day=today, at=req.now, code=claims.code):
                return _admitted_fast(cursor, req, lane, claims, pid, cid)
            return _decide(cursor, req, lane, snap, today, mode, code=claims.code)
    except IntegrityError:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="scan_id was already used for another scan") from None


def _product_ctx(product, fallback: str = "") -> dict[str, Any]:
    if product is None:
        return {"zh": {"product": fallback}, "en": {"product": fallback}}
    return {"zh": {"product": product.name}, "en": {"product": product.name_en or product.name}}


_ONE_TRIP: dict[str, str] = {}


def _one_trip_sql(passage_sql: str) -> str:
    sql = _ONE_TRIP.get(passage_sql)
    if sql is None:
        sql = _ONE_TRIP[passage_sql] = (
            "BEGIN NOT ATOMIC "
            "DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END; "
            "START TRANSACTION; "
            f"{gate_support.CONSUME_UNLESS_PARTNER_SQL}; "
            f"IF ROW_COUNT() = 1 THEN {_ADMIT_SQL}; {passage_sql}; COMMIT; "
            "ELSE ROLLBACK; END IF; "
            "END"
        )
    return sql


def _admitted_in_one_trip(req: ScanRequest, lane: LaneInfo, claims: tokens.Claims, today, product_id, category_id):
    """The usual scan — the first entry of a single-use ticket sold without a partner — in ONE
    round trip: a MariaDB compound statement consumes the use (the same conditional UPDATE),
    appends the scan, moves the visitor-flow counter and commits, all or nothing. None when the
    ticket is not such a ticket (used, refunded, a partner's, …): nothing was changed, and the
    caller decides the scan in its own transaction."""
    passage = passage_statement(lane.zone_code, at=req.now, entries=1, now=req.now)
    if passage is None:
        return None
    passage_sql, passage_params = passage
    stamp = scanlog.utc_naive(req.now)
    params = [
        *gate_support.consume_unless_partner_params(day=today, at=req.now, code=claims.code),
        *(stamp, stamp, req.device.id, lane.id, lane.gate_id, lane.zone_key, req.device_scan_id, claims.code),
        *passage_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_one_trip_sql(passage_sql), params)
        row = cursor.fetchone()
        # The RETURNING row comes before the COMMIT: an error there (a deadlock victim, a lost
        # connection) arrives with the next result and is raised here — never answer "admitted"
        # before the block has ended.
        while cursor.nextset():
            pass
    if row is None:
        return None
    live.changed()  # committed: bump the live figures (one Redis round trip)
    scan_id, _ticket_id, _partner_id, document, name = row[0].split("\x1f", 4)
    return _first_entry(claims, scan_id, name, document, product_id, category_id)


def _admitted_fast(cursor, req: ScanRequest, lane: LaneInfo, claims: tokens.Claims, product_id, category_id) -> Answer:
    now = req.now
    stamp = scanlog.utc_naive(now)
    cursor.execute(
        _ADMIT_SQL, [stamp, stamp, req.device.id, lane.id, lane.gate_id, lane.zone_key, req.device_scan_id, claims.code]
    )
    scan_id, ticket_id, partner_id, document, name = cursor.fetchone()[0].split("\x1f", 4)
    count(lane, IN, now, now=now)
    if partner_id != "0":
        gate_support.notify_used(int(ticket_id), at=now, gate=lane.gate_code, entry=1)
    return _first_entry(claims, scan_id, name, document, product_id, category_id)


def _first_entry(claims: tokens.Claims, scan_id: str, name: str, document: str, product_id, category_id) -> Answer:
    """The answer to a single-use ticket's first entry, from the appended scan's RETURNING row."""
    return Answer(
        True,
        Reason.ADMITTED,
        ticket_code=claims.code,
        name=name,
        category_id=category_id,
        product_id=product_id,
        check_document=document,
        uses_left=0,
        scan_id=int(scan_id),
    )


# --- the ticket's state: everything but the first entry of a single-use QR ticket ---------------------
@dataclass
class TicketRow:
    id: int
    code: str
    status: str
    date: dt.date
    used_count: int
    uses_allowed: int
    product_id: int
    category_id: int
    name: str
    document: str
    order_id: int
    slot_id: int
    first_used_at: dt.datetime | None
    id_index: str
    channel: str = ""
    partner_id: int | None = None
    start: dt.time = dt.time(0)
    end: dt.time = dt.time(23, 59)


_TICKET_SQL = (
    "SELECT id, code, status, date, used_count, uses_allowed, product_id, category_id, name_masked, "
    "check_document, order_id, slot_id, first_used_at, id_number_index FROM ticketing_ticket WHERE {where} FOR UPDATE"
)


def lock_ticket(cursor, *, code: str | None = None, ticket_id: int | None = None) -> TicketRow | None:
    """Read a ticket with a row lock (the admission's serialisation point), with its order and slot."""
    if code is not None:
        cursor.execute(_TICKET_SQL.format(where="code = %s"), [code])
    else:
        cursor.execute(_TICKET_SQL.format(where="id = %s"), [ticket_id])
    found = cursor.fetchone()
    if found is None:
        return None
    t = TicketRow(*found)
    if t.first_used_at is not None and timezone.is_naive(t.first_used_at):
        t.first_used_at = t.first_used_at.replace(tzinfo=dt.UTC)
    cursor.execute(
        "SELECT o.channel, o.partner_id, s.start, s.end FROM ticketing_order o, ticketing_timeslot s "
        "WHERE o.id = %s AND s.id = %s",
        [t.order_id, t.slot_id],
    )
    extra = cursor.fetchone()
    if extra:
        t.channel, t.partner_id, start, end = extra
        t.start, t.end = _as_time(start), _as_time(end)
    return t


def _as_time(value) -> dt.time:
    if isinstance(value, dt.timedelta):  # PyMySQL returns TIME columns as timedelta
        seconds = int(value.total_seconds())
        return dt.time(seconds // 3600 % 24, seconds // 60 % 60)
    return value


@dataclass
class PresenceRow:
    inside: bool
    entries: int
    exits: int
    reentries: int


def presence(cursor, ticket_id: int, zone_key: int) -> PresenceRow | None:
    cursor.execute(
        "SELECT inside, entries, exits, reentries FROM access_presence WHERE ticket_id = %s AND zone_key = %s",
        [ticket_id, zone_key],
    )
    found = cursor.fetchone()
    return PresenceRow(bool(found[0]), found[1], found[2], found[3]) if found else None


def set_presence(
    cursor, ticket_id: int, zone_key: int, day: dt.date, *, inside: bool, at: dt.datetime, reentry: bool = False
) -> None:
    stamp = scanlog.utc_naive(at)
    entry, exit_ = (1, 0) if inside else (0, 1)
    cursor.execute(
        "INSERT INTO access_presence (ticket_id, zone_key, day, inside, entries, exits, reentries, last_in_at, "
        "last_out_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE inside = VALUES(inside), "
        "day = VALUES(day), entries = entries + VALUES(entries), exits = exits + VALUES(exits), "
        "reentries = reentries + VALUES(reentries), last_in_at = COALESCE(VALUES(last_in_at), last_in_at), "
        "last_out_at = COALESCE(VALUES(last_out_at), last_out_at)",
        [
            ticket_id,
            zone_key,
            day,
            1 if inside else 0,
            entry,
            exit_,
            1 if reentry else 0,
            stamp if inside else None,
            None if inside else stamp,
        ],
    )


def last_passage(
    cursor, ticket_id: int, zone_key: int | None = None
) -> tuple[int | None, int | None, dt.datetime | None]:
    """(scan id, gate id, time) of the ticket's latest admission (at this place, if given)."""
    extra = " AND zone_key = %s" if zone_key is not None else ""
    cursor.execute(
        "SELECT id, gate_id, at FROM access_scan WHERE ticket_id = %s AND outcome IN ('admitted', 'readmitted')"
        f"{extra} ORDER BY at DESC, id DESC LIMIT 1",
        [ticket_id] + ([zone_key] if zone_key is not None else []),
    )
    found = cursor.fetchone()
    if not found:
        return None, None, None
    at = found[2]
    return found[0], found[1], at.replace(tzinfo=dt.UTC) if at is not None and timezone.is_naive(at) else at


def first_passage(cursor, ticket_id: int) -> tuple[int | None, dt.datetime | None]:
    """(scan id, time) of the ticket's earliest admission anywhere."""
    cursor.execute(
        "SELECT id, at FROM access_scan WHERE ticket_id = %s AND outcome IN ('admitted', 'readmitted') "
        "ORDER BY at, id LIMIT 1",
        [ticket_id],
    )
    found = cursor.fetchone()
    if not found:
        return None, None
    at = found[1]
    return found[0], at.replace(tzinfo=dt.UTC) if at is not None and timezone.is_naive(at) else at


def replay(cursor, device_id: int, device_scan_id: str) -> Answer | None:
    """The answer already given to this device's scan id (a gate retrying after a lost answer)."""
    cursor.execute(
        "SELECT s.id, s.outcome, s.reason, s.ticket_code, s.category_id, s.product_id, t.name_masked, "
        "t.check_document, t.uses_allowed - t.used_count FROM access_scan s "
        "LEFT JOIN ticketing_ticket t ON t.id = s.ticket_id WHERE s.device_id = %s AND s.device_scan_id = %s",
        [device_id, device_scan_id],
    )
    found = cursor.fetchone()
    if found is None:
        return None
    scan_id, outcome, reason, code, category_id, product_id, name, document, left = found
    admitted = outcome in ("admitted", "readmitted", "exited")
    return Answer(
        admitted,
        reason,
        ticket_code=code,
        name=(name or "") if admitted else "",
        category_id=category_id,
        product_id=product_id,
        check_document=document or "",
        uses_left=left,
        scan_id=scan_id,
        replayed=True,
    )


def _decide(
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
    t = lock_ticket(cursor, code=code, ticket_id=ticket_id)
    if t is None:
        return _record(cursor, req, lane, None, Reason.UNKNOWN, ticket_code=code or "")
    cat = catalog.get()
    if mode is None:
        mode = lane.mode(cat.product(t.product_id))
        if mode is None:
            return _record(cursor, req, lane, t, Reason.WRONG_ENTRANCE, context=_product_ctx(cat.product(t.product_id)))
    if t.date != today:
        reason = Reason.EXPIRED if t.date < today else Reason.WRONG_DATE
        return _record(cursor, req, lane, t, reason, context=_date_ctx(t.date))
    if req.direction == OUT:
        return _exit(cursor, req, lane, snap, t, mode, today)
    if t.status in STATUS_REASON:
        return _record(cursor, req, lane, t, STATUS_REASON[t.status])
    if mode != PASS and not req.offline:  # offline, the gate applied the window with its own whitelist
        if today in snap.closed_days:
            return _record(cursor, req, lane, t, Reason.CLOSED_DAY)
        refusal = window_refusal(snap, snap.rule(t.product_id), today, t.start, t.end, req.at)
        if refusal:
            return _record(cursor, req, lane, t, refusal[0], context=_time_ctx(refusal[1]))
    place = lane.zone_key
    if mode == PASS:  # an admission ticket at an internal gate: counted, never consumed
        if t.used_count == 0:
            return _record(cursor, req, lane, t, Reason.NOT_ENTERED)
        p = presence(cursor, t.id, place)
        if p is not None and p.inside and lane.anti_passback:
            return _passback(cursor, req, lane, snap, t, place)
        set_presence(cursor, t.id, place, today, inside=True, at=req.at)
        return _record(cursor, req, lane, t, Reason.ADMITTED, counted=True)
    p = presence(cursor, t.id, place)
    if mode == COMPONENT and p is None:  # a bundle's part, first use here
        set_presence(cursor, t.id, place, today, inside=True, at=req.at)
        consumed = False
        if t.status == "valid" and t.used_count < t.uses_allowed:
            consumed = gate_support.consume_use(cursor, day=today, at=req.at, ticket_id=t.id)
            t.used_count += 1
        return _record(cursor, req, lane, t, Reason.ADMITTED, counted=True, consumed=consumed)
    if mode == CONSUME and t.status == "valid" and t.used_count < t.uses_allowed:
        if t.used_count > 0 and lane.anti_passback and (p is None or p.inside):
            return _passback(cursor, req, lane, snap, t, place)
        gate_support.consume_use(cursor, day=today, at=req.at, ticket_id=t.id)
        t.used_count += 1
        if p is not None:
            set_presence(cursor, t.id, place, today, inside=True, at=req.at)
        return _record(cursor, req, lane, t, Reason.ADMITTED, counted=True, consumed=True)
    return _reentry(cursor, req, lane, snap, t, p, place, today)


def _reentry(cursor, req, lane, snap, t: TicketRow, p: PresenceRow | None, place: int, today) -> Answer:
    rule = snap.rule(t.product_id)
    if rule.reentry == "none":
        _scan, gate_id, at = last_passage(cursor, t.id)
        return _record(cursor, req, lane, t, Reason.USED, context=_ctx(snap, gate_id, at or t.first_used_at))
    if lane.anti_passback and (p is None or p.inside):
        return _passback(cursor, req, lane, snap, t, place)
    if rule.reentry == "times" and p is not None and p.reentries >= rule.reentry_times:
        return _record(cursor, req, lane, t, Reason.REENTRY_LIMIT)
    set_presence(cursor, t.id, place, today, inside=True, at=req.at, reentry=True)
    return _record(cursor, req, lane, t, Reason.READMITTED, counted=True)


def _passback(cursor, req, lane, snap, t: TicketRow, place: int) -> Answer:
    _scan, gate_id, at = last_passage(cursor, t.id, place)
    return _record(cursor, req, lane, t, Reason.PASSBACK, context=_ctx(snap, gate_id, at or t.first_used_at))


def _exit(cursor, req, lane, snap, t: TicketRow, mode: str, today) -> Answer:
    place = lane.zone_key
    p = presence(cursor, t.id, place)
    if p is None:
        scan_id, _gate, _at = last_passage(cursor, t.id, place)
        entered = scan_id is not None or (place == 0 and t.used_count > 0 and mode == CONSUME)
    else:
        entered = p.inside
    if not entered and lane.anti_passback and not req.offline:  # offline, the person has left anyway
        return _record(cursor, req, lane, t, Reason.NOT_INSIDE)
    set_presence(cursor, t.id, place, today, inside=False, at=req.at)
    return _record(cursor, req, lane, t, Reason.EXITED, counted=True)


COUNT_WINDOW = dt.timedelta(hours=47)  # flow accepts passages up to 48 h late
SECOND_PASSAGE = (Reason.USED, Reason.PASSBACK, Reason.REENTRY_LIMIT)


def _record(
    cursor,
    req: ScanRequest,
    lane: LaneInfo,
    t: TicketRow | None,
    reason: str,
    *,
    counted: bool = False,
    consumed: bool = False,
    context: dict | None = None,
    ticket_code: str = "",
) -> Answer:
    outcome = {Reason.ADMITTED: "admitted", Reason.READMITTED: "readmitted", Reason.EXITED: "exited"}.get(
        reason, "denied"
    )
    detail = ""
    conflict = None
    if req.offline:
        # The gate already let this person through: a refusal here is a conflict for staff, not a refusal.
        if outcome == "denied" and reason in SECOND_PASSAGE and t is not None:
            first_id, first_at = first_passage(cursor, t.id)
            if first_at is not None and first_at > req.at:  # this offline passage came first: it wins
                outcome, reason = "admitted", Reason.ADMITTED
                conflict = ("duplicate", None, first_id, first_id)
            else:
                outcome, reason = "duplicate", Reason.DUPLICATE
                conflict = ("duplicate", "self", first_id, Reason.USED)
                context = _ctx(config.get(), *_gate_and_time(cursor, first_id))
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
        gate_support.notify_used(t.id, at=req.at, gate=lane.gate_code, entry=t.used_count)
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


def _gate_and_time(cursor, scan_id: int | None) -> tuple[int | None, dt.datetime | None]:
    if scan_id is None:
        return None, None
    cursor.execute("SELECT gate_id, at FROM access_scan WHERE id = %s", [scan_id])
    found = cursor.fetchone()
    if not found:
        return None, None
    at = found[1]
    return found[0], at.replace(tzinfo=dt.UTC) if at is not None and timezone.is_naive(at) else at


# --- ID cards, social-security cards, faces -------------------------------------------------------
def _by_person(req: ScanRequest, lane: LaneInfo, snap: Snapshot, today: dt.date) -> Answer:
    from scenic_ops.access import credentials

    value = (req.value or "").strip() if isinstance(req.value, str) else ""
    if not value or len(value) > 128:
        return _refuse_early(req, Reason.MALFORMED)
    id_index = credentials.visitor_index(req.method, value)
    if id_index is None:
        return _record_person(req, lane, Reason.UNKNOWN)
    candidates = credentials.tickets_of(id_index, today)
    cat = catalog.get()
    fits = [c for c in candidates if lane.mode(cat.product(c.product_id)) is not None]
    if not fits:
        if candidates:
            first = candidates[0]
            return _record_person(
                req,
                lane,
                Reason.WRONG_ENTRANCE,
                ticket=first,
                context=_product_ctx(cat.product(first.product_id)),
            )
        later = credentials.next_ticket_day(id_index, today)
        if later is not None:
            return _record_person(req, lane, Reason.WRONG_DATE, context=_date_ctx(later))
        return _record_person(req, lane, Reason.UNKNOWN)
    chosen = credentials.choose(fits, snap, req.now, req.direction)
    try:
        with transaction.atomic():
            cursor = connection.cursor()
            answer = _decide(cursor, req, lane, snap, today, None, ticket_id=chosen.id)
            if answer.admit and req.bind and req.direction == IN:
                credentials.bind_from_gate(req, chosen)
            return answer
    except IntegrityError:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="scan_id was already used for another scan") from None


def _record_person(req: ScanRequest, lane: LaneInfo, reason: str, *, ticket=None, context=None) -> Answer:
    with connection.cursor() as cursor:
        try:
            scan_id = scanlog.insert(
                cursor,
                **scanlog.origin(req, lane),
                at=req.now,
                outcome="denied",
                reason=reason,
                ticket_id=ticket.id if ticket else None,
                ticket_code=ticket.code if ticket else "",
                product_id=ticket.product_id if ticket else None,
                category_id=ticket.category_id if ticket else None,
            )
        except IntegrityError:
            previous = replay(cursor, req.device.id, req.device_scan_id or "")
            if previous is not None:
                return previous
            raise
    return Answer(
        False,
        reason,
        ticket_code=ticket.code if ticket else "",
        category_id=ticket.category_id if ticket else None,
        product_id=ticket.product_id if ticket else None,
        scan_id=scan_id,
        context=context or {},
    )
