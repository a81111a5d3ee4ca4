"""Deciding a scan: admit or refuse, exactly once, and append it to the log.

The validation path, cheapest first:
1. a QR token's Ed25519 signature is checked with the public key in memory: forged and
   malformed codes are refused with no database work (logged through the Redis buffer);
2. the token's claims (date, slot, product) are checked against the cached gate
   configuration: another day, the wrong entrance, too early or too late — still no database;
3. a single-use ticket's first entry (the usual scan) is one compound statement — one round
   trip (`sql.first_entry_block`, docs/adr/0008): ticketing's conditional UPDATE consumes the
   use (two lanes scanning at once consume it once), the scan is appended, the visitor-flow
   counter moves, and it commits. Inside a caller's transaction it is a savepoint of it;
4. anything else — the ticket was not such a first entry (used, refunded, a partner's that owes
   a webhook, multi-use), re-entry, exits, ID cards, faces — is decided with the ticket's row
   locked (`decision.decide`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from scenic_ops.access import config, decision, scanlog, sql
from scenic_ops.access.answers import (
    FACE,
    ID_CARD,
    IN,
    OUT,
    QR,
    SSC,
    Answer,
    ScanRequest,
    date_context,
    product_context,
    time_context,
)
from scenic_ops.access.config import CONSUME, PASS, LaneInfo, Snapshot
from scenic_ops.access.errors import AccessCode, AccessError, Reason
from scenic_ops.access.windows import hhmm, window_refusal
from scenic_ops.core import sqlblock
from scenic_ops.flow import services as flow
from scenic_ops.ticketing import catalog, gate, tokens

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
def _by_token(req: ScanRequest, lane: LaneInfo, snap: Snapshot, today: dt.date) -> Answer:
    claims, bad = read_token(req.value)
    if claims is None:
        return _refuse_early(req, bad)
    cat = catalog.get()
    product = cat.product(claims.product)
    category = cat.category(claims.category)
    pid, cid = (product.id if product else None), (category.id if category else None)
    early = {"code": claims.code, "product_id": pid, "category_id": cid}
    if claims.date != today:
        reason = Reason.EXPIRED if claims.date < today else Reason.WRONG_DATE
        return _refuse_early(req, reason, **early, context=date_context(claims.date))
    mode = lane.mode(product)
    if mode is None:
        return _refuse_early(req, Reason.WRONG_ENTRANCE, **early, context=product_context(product, claims.product))
    if req.direction == IN and mode != PASS:
        if today in snap.closed_days:
            return _refuse_early(req, Reason.CLOSED_DAY, **early)
        refusal = window_refusal(snap, snap.rule(pid or 0), today, hhmm(claims.start), hhmm(claims.end), req.now)
        if refusal:
            return _refuse_early(req, refusal[0], **early, context=time_context(refusal[1]))
    try:
        if req.direction == IN and mode == CONSUME and claims.uses == 1:
            answer = first_entry(req, lane, claims, today, pid, cid)
            if answer is not None:
                return answer
        with transaction.atomic():
            return decision.decide(connection.cursor(), req, lane, snap, today, mode, code=claims.code)
    except IntegrityError:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="scan_id was already used for another scan") from None


def first_entry(req: ScanRequest, lane: LaneInfo, claims: tokens.Claims, today, product_id, category_id):
    """The usual scan — the first entry of a single-use ticket sold without a partner — in ONE
    round trip. None when the ticket is not such a ticket (used, refunded, a partner's, …) or the
    lane counts a car park: nothing was changed, and the caller decides the scan with the ticket
    locked."""
    passage = flow.passage_statement(lane.zone_code, at=req.now, entries=1, now=req.now)
    if passage is None:
        return None
    block, params = sql.first_entry_block(
        gate.first_entry(code=claims.code, day=today, at=req.now),
        gate.capture_first_entry(code=claims.code),
        gate.FIRST_ENTRY_VARIABLES,
        passage,
        at=req.now,
        device_id=req.device.id,
        lane_id=lane.id,
        gate_id=lane.gate_id,
        zone_key=lane.zone_key,
        ticket_code=claims.code,
        device_scan_id=req.device_scan_id,
    )
    with connection.cursor() as cursor:
        rows = sqlblock.run(cursor, block, params)
    if not rows:
        return None
    flow.passages_changed()  # the live figures move once this has committed
    scan_id, document, name = rows[0][0].split("\x1f", 2)
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


# --- ID cards, social-security cards, faces -------------------------------------------------------
def _by_person(req: ScanRequest, lane: LaneInfo, snap: Snapshot, today: dt.date) -> Answer:
    from scenic_ops.access import credentials

    value = (req.value or "").strip() if isinstance(req.value, str) else ""
    if not value or len(value) > 128:
        return _refuse_early(req, Reason.MALFORMED)
    id_index = credentials.visitor_index(req.method, value)
    if id_index is None:
        return _record_person(req, lane, Reason.UNKNOWN)
    candidates = gate.candidates(id_index, today)
    cat = catalog.get()
    fits = [c for c in candidates if lane.mode(cat.product(c.product_id)) is not None]
    if not fits:
        if candidates:
            first = candidates[0]
            context = product_context(cat.product(first.product_id))
            return _record_person(req, lane, Reason.WRONG_ENTRANCE, ticket=first, context=context)
        later = gate.next_day(id_index, today)
        if later is not None:
            return _record_person(req, lane, Reason.WRONG_DATE, context=date_context(later))
        return _record_person(req, lane, Reason.UNKNOWN)
    chosen = credentials.choose(fits, snap, req.now, req.direction)
    try:
        with transaction.atomic():
            answer = decision.decide(connection.cursor(), req, lane, snap, today, None, ticket_id=chosen.id)
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
            previous = decision.replay(cursor, req.device.id, req.device_scan_id or "")
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
