"""The access domain's raw SQL: the scan log, presence, and the usual scan's one-trip block.

Only access tables are named here. What a statement needs of a ticket comes from
`ticketing.gate` (its statements and session variables), what it needs of the visitor-flow
counters from `flow.services.passage_statement`; see `docs/adr/0008-one-trip-gate-path.md`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from scenic_ops.core import sqlblock
from scenic_ops.core.sqlvalues import aware, columns, fetch_dict, fetch_dicts, placeholders, utc_naive, values

SCAN_COLUMNS = (
    "at",
    "received_at",
    "device_id",
    "lane_id",
    "gate_id",
    "direction",
    "method",
    "outcome",
    "reason",
    "ticket_id",
    "ticket_code",
    "product_id",
    "category_id",
    "channel",
    "zone_key",
    "counted",
    "offline",
    "upload_id",
    "device_scan_id",
    "log_key",
    "detail",
)
INSERT_SCAN = f"INSERT INTO access_scan ({columns(SCAN_COLUMNS)}) VALUES ({placeholders(len(SCAN_COLUMNS))})"
INSERT_SCAN_IGNORE = INSERT_SCAN.replace("INSERT INTO", "INSERT IGNORE INTO", 1)
_DEFAULTS = {"counted": 0, "offline": 0, "zone_key": 0, "ticket_code": "", "channel": "", "detail": ""}


def scan_row(**given: Any) -> dict[str, Any]:
    """A complete scan row by column name; datetimes stored as UTC, defaults filled in."""
    row = {}
    for name in SCAN_COLUMNS:
        value = given.get(name)
        if value is None:
            value = _DEFAULTS.get(name)
        elif isinstance(value, dt.datetime):
            value = utc_naive(value)
        row[name] = value
    unknown = set(given) - set(SCAN_COLUMNS)
    if unknown:
        raise TypeError(f"not scan columns: {sorted(unknown)}")
    return row


def insert_scan(cursor, row: dict[str, Any]) -> int:
    cursor.execute(INSERT_SCAN, values(SCAN_COLUMNS, row))
    return cursor.lastrowid


def insert_scans_ignoring_duplicates(cursor, rows: Sequence[dict[str, Any]]) -> None:
    cursor.executemany(INSERT_SCAN_IGNORE, [values(SCAN_COLUMNS, r) for r in rows])


# --- the usual scan in one round trip --------------------------------------------------------------
# The scan row of a first entry: the ticket's fields come from ticketing's session variables.
_FIRST_ENTRY_SCAN = (
    "INSERT INTO access_scan (at, received_at, device_id, lane_id, gate_id, direction, method, outcome, reason, "
    "ticket_id, ticket_code, product_id, category_id, channel, zone_key, counted, offline, device_scan_id, detail) "
    "VALUES (%s, %s, %s, %s, %s, 'in', 'qr', 'admitted', 'admitted', {ticket_id}, %s, {product_id}, {category_id}, "
    "{channel}, %s, 1, 0, %s, '') "
    # One text column: every column of a result set costs a descriptor to parse in the pure-Python driver.
    "RETURNING CONCAT_WS(CHAR(31), id, {check_document}, {name_masked})"
)


def first_entry_block(
    consume: tuple[list[str], list],
    capture: tuple[str, list],
    variables: dict[str, str],
    passage: tuple[str, list],
    *,
    at: dt.datetime,
    device_id: int,
    lane_id: int,
    gate_id: int,
    zone_key: int,
    ticket_code: str,
    device_scan_id: str | None,
) -> tuple[str, list]:
    """The usual scan's transaction as one compound statement: consume the use (ticketing's
    statement), read the ticket into variables (ticketing's), append the scan, count the passage
    (flow's upsert), commit. The RETURNING row (scan id, document, masked name) comes before the
    COMMIT; an error there is raised by `sqlblock.run` before the gate gets an answer."""
    consume_sql, consume_params = consume
    capture_sql, capture_params = capture
    passage_sql, passage_params = passage
    stamp = utc_naive(at)
    params = [
        *consume_params,
        *capture_params,
        stamp,
        stamp,
        device_id,
        lane_id,
        gate_id,
        ticket_code,
        zone_key,
        device_scan_id,
        *passage_params,
    ]
    return _first_entry_sql(tuple(consume_sql), capture_sql, tuple(variables.items()), passage_sql), params


@functools.lru_cache(maxsize=32)
def _first_entry_sql(consume: tuple[str, ...], capture: str, variables: tuple, passage: str) -> str:
    return sqlblock.transaction_block(
        savepoint="ac_first_entry",
        body=consume,
        ok="ROW_COUNT() = 1",
        then=[capture, _FIRST_ENTRY_SCAN.format(**dict(variables)), passage],
    )


# --- reads of the scan log ---------------------------------------------------------------------------
def last_passage(cursor, ticket_id: int, zone_key: int | None = None) -> dict[str, Any] | None:
    """{id, gate_id, at} of the ticket's latest admission (at this place, if given)."""
    extra = " AND zone_key = %s" if zone_key is not None else ""
    cursor.execute(
        "SELECT id, gate_id, at FROM access_scan WHERE ticket_id = %s AND outcome IN ('admitted', 'readmitted')"
        f"{extra} ORDER BY at DESC, id DESC LIMIT 1",
        [ticket_id] + ([zone_key] if zone_key is not None else []),
    )
    return _with_aware_at(fetch_dict(cursor))


def first_passage(cursor, ticket_id: int) -> dict[str, Any] | None:
    """{id, gate_id, at} of the ticket's earliest admission anywhere."""
    cursor.execute(
        "SELECT id, gate_id, at FROM access_scan WHERE ticket_id = %s AND outcome IN ('admitted', 'readmitted') "
        "ORDER BY at, id LIMIT 1",
        [ticket_id],
    )
    return _with_aware_at(fetch_dict(cursor))


def scan_place(cursor, scan_id: int) -> dict[str, Any] | None:
    """{gate_id, at} of one scan."""
    cursor.execute("SELECT gate_id, at FROM access_scan WHERE id = %s", [scan_id])
    return _with_aware_at(fetch_dict(cursor))


def device_scan(cursor, device_id: int, device_scan_id: str) -> dict[str, Any] | None:
    """The scan a device already sent under its own scan id (a retry after a lost answer)."""
    cursor.execute(
        "SELECT id, outcome, reason, ticket_id, ticket_code, category_id, product_id FROM access_scan "
        "WHERE device_id = %s AND device_scan_id = %s",
        [device_id, device_scan_id],
    )
    return fetch_dict(cursor)


def last_scans_since(cursor, begin: dt.datetime) -> dict[int, dt.datetime]:
    """{ticket id: time of its latest passage} since `begin`."""
    cursor.execute(
        "SELECT ticket_id, MAX(at) AS at FROM access_scan WHERE at >= %s AND ticket_id IS NOT NULL "
        "AND outcome IN ('admitted', 'readmitted', 'exited') GROUP BY ticket_id",
        [utc_naive(begin)],
    )
    return {row["ticket_id"]: aware(row["at"]) for row in fetch_dicts(cursor)}


def _with_aware_at(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is not None:
        row["at"] = aware(row["at"])
    return row


# --- presence ------------------------------------------------------------------------------------------
def presence(cursor, ticket_id: int, zone_key: int) -> dict[str, Any] | None:
    cursor.execute(
        "SELECT inside, entries, exits, reentries FROM access_presence WHERE ticket_id = %s AND zone_key = %s",
        [ticket_id, zone_key],
    )
    return fetch_dict(cursor)


def set_presence(
    cursor,
    *,
    ticket_id: int,
    zone_key: int,
    day: dt.date,
    inside: bool,
    at: dt.datetime,
    reentry: bool,
) -> None:
    stamp = utc_naive(at)
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
            1 if inside else 0,
            0 if inside else 1,
            1 if reentry else 0,
            stamp if inside else None,
            None if inside else stamp,
        ],
    )
