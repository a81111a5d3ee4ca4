"""Ticketing's raw SQL: the booking block, the bucket UPDATE, and the ticket reads of the gates.

Everything else in ticketing goes through the ORM. These statements are raw because they
run on the hot paths (every channel's booking, every gate scan) where a query's cost and
its locks matter; see `docs/adr/0007-inventory-locking.md` and `0008-one-trip-gate-path.md`.
Rows go in and come out by column name (`core.sqlvalues`): no positional indexing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scenic_ops.core import sqlblock
from scenic_ops.core.sqlvalues import as_time, aware, columns, fetch_dict, fetch_dicts, placeholders, utc_naive, values

# --- the booking block ---------------------------------------------------------------------------
ORDER_COLUMNS = (
    "number",
    "channel",
    "partner_id",
    "external_id",
    "status",
    "visit_date",
    "ticket_count",
    "total",
    "refunded_amount",
    "payment_method",
    "contact_name_enc",
    "contact_name_masked",
    "contact_phone_enc",
    "contact_phone_index",
    "contact_phone_masked",
    "group_name",
    "language",
    "hold_expires_at",
    "created_at",
    "confirmed_at",
    "created_by_id",
)
# A ticket's columns but its order (the block's @tk_order).
TICKET_COLUMNS = (
    "code",
    "product_id",
    "category_id",
    "slot_id",
    "date",
    "price",
    "status",
    "id_type",
    "id_number_enc",
    "id_number_index",
    "id_number_masked",
    "name_enc",
    "name_masked",
    "phone_enc",
    "phone_masked",
    "region_code",
    "birth_year",
    "sex",
    "check_document",
    "takes",
    "claim_scope",
    "uses_allowed",
    "used_count",
    "created_at",
    "personal_data_purged",
)
PAYMENT_COLUMNS = (
    "provider",
    "method",
    "reference",
    "provider_ref",
    "amount",
    "refunded_amount",
    "status",
    "created_at",
    "paid_at",
    "created_by_id",
)
CLAIM_COLUMNS = ("id_index", "date", "scope", "count", "max_count")
CLAIM_CHECK = "tk_idclaim_limit"  # the CHECK (count <= max_count) that refuses a claim over the limit
EXTERNAL_ID_UNIQUE = "tk_order_partner_external"


@dataclass(frozen=True)
class BucketTake:
    """One bucket's change in a booking: `used` and `reserved` deltas."""

    bucket: int
    used: int
    reserved: int


def _case(count: int) -> str:
    return "CASE id " + " ".join(["WHEN %s THEN %s"] * count) + " ELSE 0 END"


@functools.lru_cache(maxsize=16)
def _take_sql(count: int) -> str:
    case = _case(count)
    return (
        f"UPDATE ticketing_bucket SET used = used + {case}, reserved = reserved + {case}, seq = seq + 1 "
        f"WHERE id IN ({placeholders(count)}) AND closed = 0 AND used + reserved + {case} <= capacity "
        f"AND reserved + {case} >= 0"
    )


def take_buckets(takes: Sequence[BucketTake]) -> tuple[str, list[int]]:
    """One conditional UPDATE of several buckets (`BucketTake`s, ids in ascending order).

    Matches every bucket or the caller rolls back: `ROW_COUNT() = len(takes)`. InnoDB walks the
    IN list in key order, so every booking locks its buckets in the same order.
    """
    used, reserved, net = [], [], []
    for t in takes:
        used += (t.bucket, t.used)
        reserved += (t.bucket, t.reserved)
        net += (t.bucket, t.used + t.reserved)
    return _take_sql(len(takes)), used + reserved + [t.bucket for t in takes] + net + reserved


@dataclass(frozen=True)
class BookedRows:
    order_id: int
    ticket_ids: list[int]
    buckets: list[dict[str, Any]]  # the buckets' state as this booking left them (for the Redis view)


@functools.lru_cache(maxsize=64)
def _booking_sql(tickets: int, claims: int, takes: int, payment: bool, audit: str | None) -> str:
    """The booking block's text for one shape (how many tickets, claims and buckets)."""
    ticket_marks = f"(@tk_order, {placeholders(len(TICKET_COLUMNS))})"
    body = [
        f"INSERT INTO ticketing_order ({columns(ORDER_COLUMNS)}) VALUES ({placeholders(len(ORDER_COLUMNS))})",
        "SET @tk_order = LAST_INSERT_ID()",
        f"INSERT INTO ticketing_ticket (order_id, {columns(TICKET_COLUMNS)}) VALUES "
        + ", ".join([ticket_marks] * tickets),
    ]
    if claims:
        body.append(
            f"INSERT INTO ticketing_idclaim ({columns(CLAIM_COLUMNS)}) VALUES "
            + ", ".join([f"({placeholders(len(CLAIM_COLUMNS))})"] * claims)
            + " ON DUPLICATE KEY UPDATE count = count + VALUES(count), max_count = VALUES(max_count)"
        )
    # Everything else is written before the bucket UPDATE: the hot bucket rows stay locked only from
    # that UPDATE to the COMMIT right after it. A refused booking rolls all of it back.
    if payment:
        body.append(
            f"INSERT INTO ticketing_payment (order_id, {columns(PAYMENT_COLUMNS)}) "
            f"VALUES (@tk_order, {placeholders(len(PAYMENT_COLUMNS))})"
        )
    if audit is not None:
        body.append(audit)
    if takes:  # a product drawing no capacity (an audio guide) takes no bucket
        body.append(_take_sql(takes))
    after = [
        "SELECT @tk_order AS order_id, "
        "(SELECT GROUP_CONCAT(id ORDER BY id) FROM ticketing_ticket WHERE order_id = @tk_order) AS ticket_ids, "
        "(SELECT GROUP_CONCAT(CONCAT_WS(':', id, seq, capacity, used, reserved, closed) SEPARATOR ';') "
        f"FROM ticketing_bucket WHERE id IN ({placeholders(max(takes, 1))})) AS buckets"
    ]
    ok = f"ROW_COUNT() = {takes}" if takes else "TRUE"
    return sqlblock.transaction_block(savepoint="tk_book", body=body, ok=ok, after=after)


def booking_block(
    *,
    order: dict[str, Any],
    tickets: list[dict[str, Any]],
    claims: list[dict[str, Any]],
    takes: Sequence[BucketTake],
    payment: dict[str, Any] | None,
    audit: tuple[str, list[Any]] | None,
) -> tuple[str, list[Any]]:
    """The booking as one compound statement (`core.sqlblock`): (SQL, params).

    INSERT the order, its tickets, the per-ID claims, the counter payment and the audit row, then
    take every bucket in one conditional UPDATE, last; if every bucket matched, commit and answer
    the order id, the ticket ids and the buckets' new state; otherwise roll back and answer
    nothing. `audit` is core's audit INSERT, its object id `@tk_order`. The text is built once per
    shape; a booking computes only its values.
    """
    params: list[Any] = values(ORDER_COLUMNS, order)
    for ticket in tickets:
        params += values(TICKET_COLUMNS, ticket)
    for claim in claims:
        params += values(CLAIM_COLUMNS, claim)
    if payment is not None:
        params += values(PAYMENT_COLUMNS, payment)
    if audit is not None:
        params += audit[1]
    if takes:
        params += take_buckets(takes)[1]
    params += [t.bucket for t in takes] or [0]
    text = _booking_sql(len(tickets), len(claims), len(takes), payment is not None, audit[0] if audit else None)
    return text, params


BUCKET_STATE = ("id", "seq", "capacity", "used", "reserved", "closed")


def booked_rows(result: list[tuple], date: dt.date) -> BookedRows | None:
    """The block's answer; None when a bucket refused (the block rolled back)."""
    if not result:
        return None
    order_id, ticket_ids, packed = result[0]
    buckets = []
    for item in (packed or "").split(";") if packed else ():
        state = dict(zip(BUCKET_STATE, (int(v) for v in item.split(":")), strict=True))
        buckets.append({**state, "date": date})
    return BookedRows(int(order_id), [int(i) for i in ticket_ids.split(",")], buckets)


def bucket_states(cursor, *, ids: Sequence[int] | None = None, date: dt.date | None = None) -> list[dict[str, Any]]:
    """Buckets' committed state (id, date, seq, capacity, used, reserved, closed), by id or for a date."""
    select = "SELECT id, date, seq, capacity, used, reserved, closed FROM ticketing_bucket"
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return []
        cursor.execute(f"{select} WHERE id IN ({placeholders(len(ids))})", ids)
    else:
        cursor.execute(f"{select} WHERE date = %s", [date])
    return fetch_dicts(cursor)


# --- a day's layout (cached per process by `inventory.layout`) ------------------------------------
def day_layout(cursor, date: dt.date) -> tuple[list[dict], list[dict], dict | None]:
    """(slots, buckets, sale day) of a date: what a booking needs to know which buckets it takes."""
    cursor.execute(
        "SELECT id, start, end, starts_at, ends_at, product_id FROM ticketing_timeslot "
        "WHERE date = %s ORDER BY start, owner_key",
        [date],
    )
    slots = fetch_dicts(cursor)
    for slot in slots:
        slot["start"], slot["end"] = as_time(slot["start"]), as_time(slot["end"])
        slot["starts_at"], slot["ends_at"] = aware(slot["starts_at"]), aware(slot["ends_at"])
    cursor.execute("SELECT id, kind, slot_id, product_id, channel FROM ticketing_bucket WHERE date = %s", [date])
    buckets = fetch_dicts(cursor)
    cursor.execute("SELECT peak, note FROM ticketing_saleday WHERE date = %s", [date])
    return slots, buckets, fetch_dict(cursor)


def slot_date(cursor, slot_id: int) -> dt.date | None:
    cursor.execute("SELECT date FROM ticketing_timeslot WHERE id = %s", [slot_id])
    row = cursor.fetchone()
    return row[0] if row else None


# --- tickets at the gate (through `ticketing.gate`) -----------------------------------------------
_CONSUME = (
    "UPDATE ticketing_ticket {hint}SET status = IF(used_count + 1 >= uses_allowed, 'used', status), "
    "used_count = used_count + 1, first_used_at = COALESCE(first_used_at, %s) "
    "WHERE {where} AND status = 'valid' AND date = %s AND used_count < uses_allowed"
)
# By code, the unique index on `code` must be the access path: on a small table MariaDB may
# range-scan (date, status) instead and lock that index before the row, in the opposite
# order of a by-id admission of the same ticket (a deadlock seen in the tests).
CONSUME_BY_CODE = _CONSUME.format(hint="FORCE INDEX (code) ", where="code = %s")
CONSUME_BY_ID = _CONSUME.format(hint="", where="id = %s")
# The gates' one-round-trip first entry: only tickets whose order came from no partner (a
# partner's ticket also owes the partner a 'ticket.used' webhook, written with the admission).
CONSUME_FIRST_ENTRY = (
    CONSUME_BY_CODE + " AND uses_allowed = 1 AND NOT EXISTS (SELECT 1 FROM ticketing_order o "
    "WHERE o.id = ticketing_ticket.order_id AND o.partner_id IS NOT NULL)"
)
# After CONSUME_FIRST_ENTRY matched: the consumed ticket's fields into session variables, which
# the caller's scan INSERT reads (so the caller's SQL names no ticketing table).
FIRST_ENTRY_VARIABLES = {
    "ticket_id": "@tk_gate_ticket",
    "product_id": "@tk_gate_product",
    "category_id": "@tk_gate_category",
    "channel": "@tk_gate_channel",
    "check_document": "@tk_gate_document",
    "name_masked": "@tk_gate_name",
}
CAPTURE_FIRST_ENTRY = (
    "SELECT t.id, t.product_id, t.category_id, o.channel, t.check_document, t.name_masked "
    f"INTO {', '.join(FIRST_ENTRY_VARIABLES.values())} "
    "FROM ticketing_ticket t JOIN ticketing_order o ON o.id = t.order_id WHERE t.code = %s"
)

GATE_TICKET = (
    "SELECT id, code, status, date, used_count, uses_allowed, product_id, category_id, name_masked AS name, "
    "check_document AS document, order_id, slot_id, first_used_at, id_number_index AS id_index "
    "FROM ticketing_ticket WHERE {where} FOR UPDATE"
)


def lock_ticket(cursor, *, code: str | None = None, ticket_id: int | None = None) -> dict[str, Any] | None:
    """A ticket with its row locked, plus its order's channel and partner and its slot's times."""
    if code is not None:
        cursor.execute(GATE_TICKET.format(where="code = %s"), [code])
    else:
        cursor.execute(GATE_TICKET.format(where="id = %s"), [ticket_id])
    ticket = fetch_dict(cursor)
    if ticket is None:
        return None
    ticket["first_used_at"] = aware(ticket["first_used_at"])
    # Order and slot are read without a lock: locking a slot row would serialise every scan of that slot.
    cursor.execute(
        "SELECT o.channel, o.partner_id, s.start, s.end FROM ticketing_order o, ticketing_timeslot s "
        "WHERE o.id = %s AND s.id = %s",
        [ticket["order_id"], ticket["slot_id"]],
    )
    extra = fetch_dict(cursor) or {"channel": "", "partner_id": None, "start": None, "end": None}
    extra["start"], extra["end"] = as_time(extra["start"]), as_time(extra["end"])
    return {**ticket, **extra}


def consume(cursor, *, day: dt.date, at: dt.datetime, code: str | None = None, ticket_id: int | None = None) -> bool:
    if code is not None:
        cursor.execute(CONSUME_BY_CODE, [utc_naive(at), code, day])
    else:
        cursor.execute(CONSUME_BY_ID, [utc_naive(at), ticket_id, day])
    return cursor.rowcount == 1


def ticket_links(cursor, codes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{code: {id, channel}} of existing tickets (links buffered scan refusals to their tickets)."""
    if not codes:
        return {}
    cursor.execute(
        "SELECT t.code, t.id, o.channel FROM ticketing_ticket t JOIN ticketing_order o ON o.id = t.order_id "
        f"WHERE t.code IN ({placeholders(len(codes))})",
        list(codes),
    )
    return {row["code"]: row for row in fetch_dicts(cursor)}


def whitelist_tickets(cursor, day: dt.date, products: Sequence[int], *, with_ids: bool) -> list[dict[str, Any]]:
    """The tickets of a day a gate's offline whitelist lists (valid, used, and withdrawn ones), with the
    times they last changed."""
    if not products:
        return []
    cursor.execute(
        "SELECT t.id, t.code, t.status, t.product_id, t.category_id, t.uses_allowed, t.used_count, "
        "t.name_masked AS name, t.check_document AS document, t.id_number_index AS id_index, "
        f"{'t.id_number_enc' if with_ids else 'NULL'} AS id_enc, s.start, s.end, t.created_at, "
        "o.confirmed_at, r.created_at AS refunded_at, t.first_used_at FROM ticketing_ticket t "
        "JOIN ticketing_timeslot s ON s.id = t.slot_id JOIN ticketing_order o ON o.id = t.order_id "
        "LEFT JOIN ticketing_refund r ON r.id = t.refund_id "
        "WHERE t.date = %s AND t.status IN ('valid', 'used', 'refunded', 'cancelled') "
        f"AND t.product_id IN ({placeholders(len(products))})",
        [day, *sorted(products)],
    )
    rows = fetch_dicts(cursor)
    for row in rows:
        row["start"], row["end"] = as_time(row["start"]), as_time(row["end"])
        for name in ("created_at", "confirmed_at", "refunded_at", "first_used_at"):
            row[name] = aware(row[name])
    return rows
