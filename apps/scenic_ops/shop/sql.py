"""The shop's raw SQL (the checkout's hot path only), naming only shop tables.

Rows are written from named columns: the order's from its model's fields, the lines' and the
reservations' from the tuples below, so no value is found by its position.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from scenic_ops.core import sqlblock
from scenic_ops.core.sqlvalues import columns, placeholders, render, utc_naive, values

# One statement finds or makes the member, locks the row (the insert or the duplicate-key update
# both take its exclusive lock) and returns it: RETURNING gives the new row, or the existing one.
LOCK_MEMBER = (
    "INSERT INTO shop_member (phone_enc, phone_index, phone_masked, points, spent, created_at) "
    "VALUES (%s, %s, %s, 0, 0, %s) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id) "
    "RETURNING id, level_id, points"
)

LINE_COLUMNS = (
    "kind",
    "sku_id",
    "description",
    "quantity",
    "unit_price",
    "activity",
    "discount",
    "total",
    "breakdown",
    "presale",
    "ships_from",
)
RESERVATION_COLUMNS = ("sku_id", "stock_id", "presale", "flash_sale_id", "quantity", "state", "expires_at")


def lock_member(index: str, masked: str, encrypted: bytes | None, now: dt.datetime) -> tuple[int, int | None, int]:
    """(id, level_id, points) of the member with this phone index, made if new; locked until commit."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_MEMBER, [encrypted, index, masked, utc_naive(now)])
        member_id, level_id, points = cursor.fetchone()
    return member_id, level_id, points


def _db_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc_naive(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


@functools.cache
def _order_columns() -> tuple[str, ...]:
    from scenic_ops.shop.models import Order

    return tuple(f.attname for f in Order._meta.concrete_fields if not f.primary_key)


@functools.cache
def _order_sql() -> str:
    names = _order_columns()
    return f"INSERT INTO shop_order ({columns(names)}) VALUES ({placeholders(len(names))})"


def insert_order(order) -> int:
    """INSERT an unsaved `Order` instance (every column from its fields); its new id."""
    params = [_db_value(getattr(order, name)) for name in _order_columns()]
    with connection.cursor() as cursor:
        cursor.execute(_order_sql(), params)
        return cursor.lastrowid


@dataclass(frozen=True)
class Quota:
    """A conditional take from a flash sale's or a pre-sale SKU's quota."""

    kind: str  # "flash" | "presale"
    row_id: int
    quantity: int
    fail: str  # what the block answers when the quota is short


@dataclass(frozen=True)
class StockTake:
    """A line's units from the first of its stock rows (in order of preference) that has them."""

    candidates: tuple[int, ...]
    sku_id: int
    quantity: int
    fail: str


_QUOTA_UPDATE = {
    "flash": "UPDATE shop_flashsale SET sold = sold + %s WHERE id = %s AND sold + %s <= quota",
    "presale": "UPDATE shop_sku SET presale_sold = presale_sold + %s WHERE id = %s "
    "AND presale_sold + %s <= presale_quota",
}
_STOCK_UPDATE = (
    "UPDATE shop_stock SET available = available - %s, reserved = reserved + %s WHERE id = %s AND available >= %s"
)


def _guarded(statement: str) -> str:
    return f"IF @sh_fail IS NULL THEN {statement}; END IF"


def _stock_sql(candidates: int) -> str:
    """Try the first row; if it is short, the next (the reservation then names that row); else fail."""
    text = "SET @sh_fail = %s"
    for _ in range(candidates - 1, 0, -1):
        text = (
            f"{_STOCK_UPDATE}; IF ROW_COUNT() = 1 THEN UPDATE shop_reservation SET stock_id = %s "
            "WHERE order_id = %s AND sku_id = %s AND stock_id = %s LIMIT 1; ELSE " + text + "; END IF"
        )
    return f"{_STOCK_UPDATE}; IF ROW_COUNT() = 0 THEN {text}; END IF"


@functools.lru_cache(maxsize=64)
def _checkout_sql(lines: int, reservations: int, quotas: tuple[str, ...], takes: tuple[int, ...], audit: str) -> str:
    body = [
        "SET @sh_fail = NULL",
        audit,
        f"INSERT INTO shop_orderline (order_id, {columns(LINE_COLUMNS)}) VALUES "
        + ", ".join([f"(%s, {placeholders(len(LINE_COLUMNS))})"] * lines),
    ]
    if reservations:
        body.append(
            f"INSERT INTO shop_reservation (order_id, {columns(RESERVATION_COLUMNS)}) VALUES "
            + ", ".join([f"(%s, {placeholders(len(RESERVATION_COLUMNS))})"] * reservations)
        )
    # The hot rows last, each locked from its conditional UPDATE to the commit.
    for kind in quotas:
        body.append(_guarded(f"{_QUOTA_UPDATE[kind]}; IF ROW_COUNT() = 0 THEN SET @sh_fail = %s; END IF"))
    for candidates in takes:
        body.append(_guarded(_stock_sql(candidates)))
    return sqlblock.transaction_block(
        savepoint="sh_checkout", body=body, ok="@sh_fail IS NULL", after=["SELECT NULL"], otherwise=["SELECT @sh_fail"]
    )


def _stock_params(take: StockTake, order_id: int) -> list[Any]:
    q, first = take.quantity, take.candidates[0]
    params: list[Any] = [q, q, first, q]
    for candidate in take.candidates[1:]:
        params += [q, q, candidate, q, candidate, order_id, take.sku_id, first]
    return [*params, take.fail]


def place(
    *,
    order_id: int,
    lines: Sequence[dict[str, Any]],
    reservations: Sequence[dict[str, Any]],
    quotas: Sequence[Quota],
    takes: Sequence[StockTake],
    audit: tuple[str, list[Any]],
) -> str | None:
    """The checkout's writes after its claims, in one compound statement (`core.sqlblock`).

    The order's audit row, its lines and reservations, then the quotas and the stock rows, each
    a conditional UPDATE. If every one matched, the block keeps it all and answers None; else it
    rolls all of it back and answers the `fail` of the first short quota or line. Inside the
    checkout's transaction, so the caller's COMMIT keeps it with the member, order and claims.
    """
    params: list[Any] = list(audit[1])
    for line in lines:
        params += [order_id, *(_db_value(v) for v in values(LINE_COLUMNS, line))]
    for reservation in reservations:
        params += [order_id, *(_db_value(v) for v in values(RESERVATION_COLUMNS, reservation))]
    for quota in quotas:
        params += [quota.quantity, quota.row_id, quota.quantity, quota.fail]
    for take in takes:
        params += _stock_params(take, order_id)
    text = _checkout_sql(
        len(lines),
        len(reservations),
        tuple(q.kind for q in quotas),
        tuple(len(t.candidates) for t in takes),
        audit[0],
    )
    connection.ensure_connection()
    with connection.cursor() as cursor:
        rows = sqlblock.run(cursor, render(text, params, connection.connection))
    return rows[0][0] if rows else None
