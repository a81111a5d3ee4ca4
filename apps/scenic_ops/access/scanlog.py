"""Appending to the scan log.

Scans decided inside a transaction (admissions, and refusals that needed the ticket's
state) are inserted with it. Scans refused *before* any database work — a forged or
malformed code, a ticket for another day, the wrong entrance — are pushed to a Redis list
instead and written in bulk by `flush()` (a job every 15 s, and the live panel before it
reads), so a flood of forged codes never reaches MariaDB one request at a time. The
flush is idempotent (`log_key` is unique) and guarded by a lock; if Redis is down, the
refusal is written directly.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid

import django_rq
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

COLUMNS = (
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
_INSERT = f"INSERT INTO access_scan ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
_INSERT_IGNORE = _INSERT.replace("INSERT INTO", "INSERT IGNORE INTO", 1)
FLUSH_BATCH = 2000

_client = None
_keys: tuple[str, str] | None = None


def utc_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _redis():
    global _client
    if _client is None:
        _client = django_rq.get_connection("default")
    return _client


def _names() -> tuple[str, str]:
    global _keys
    if _keys is None:
        db = _redis().connection_pool.connection_kwargs.get("db", 0)
        prefix = f"scenic:{settings.SITE_NAME}:{db}:access"
        _keys = (f"{prefix}:scanbuf", f"{prefix}:scanbuf:lock")
    return _keys


def row(**values) -> list:
    """A scan row in column order; datetimes are stored as UTC."""
    out = []
    for name in COLUMNS:
        value = values.get(name)
        if isinstance(value, dt.datetime):
            value = utc_naive(value)
        elif value is None and name in ("counted", "offline"):
            value = 0
        elif value is None and name == "zone_key":
            value = 0
        elif value is None and name in ("ticket_code", "channel", "detail"):
            value = ""
        out.append(value)
    return out


def origin(req, lane) -> dict:
    """The columns that say where a scan came from: its gate device, lane and entrance, direction and method
    (`req` a scan request, `lane` its lane)."""
    return {
        "received_at": req.now,
        "device_id": req.device.id,
        "lane_id": lane.id,
        "gate_id": lane.gate_id,
        "direction": req.direction,
        "method": req.method,
        "zone_key": lane.zone_key,
        "device_scan_id": req.device_scan_id,
    }


def insert(cursor, **values) -> int:
    """Append one scan inside the caller's transaction; returns its id."""
    cursor.execute(_INSERT, row(**values))
    return cursor.lastrowid


def buffer(**values) -> None:
    """Append a refusal decided without the database: through Redis, written by `flush()`."""
    values["log_key"] = uuid.uuid4().hex
    data = row(**values)
    for i, value in enumerate(data):
        if isinstance(value, dt.datetime):
            data[i] = value.isoformat(timespec="microseconds")
    try:
        _redis().rpush(_names()[0], json.dumps(data, separators=(",", ":")))
    except Exception:  # noqa: BLE001 - Redis down: write it now rather than lose it
        log.warning("access: scan buffer unavailable, writing the refusal directly", exc_info=True)
        _write([data])


def _decode(raw: bytes) -> list:
    data = json.loads(raw)
    for i, name in enumerate(COLUMNS):
        if name in ("at", "received_at") and data[i]:
            data[i] = dt.datetime.fromisoformat(data[i])
    return data


_CODE, _TICKET, _CHANNEL = COLUMNS.index("ticket_code"), COLUMNS.index("ticket_id"), COLUMNS.index("channel")


def _write(rows: list[list]) -> None:
    with connection.cursor() as cur:
        codes = sorted({r[_CODE] for r in rows if r[_CODE] and r[_TICKET] is None})
        if codes:  # a verified code refused before the database: link the scan to its ticket now
            marks = ",".join(["%s"] * len(codes))
            cur.execute(
                "SELECT t.code, t.id, o.channel FROM ticketing_ticket t JOIN ticketing_order o ON o.id = t.order_id "
                f"WHERE t.code IN ({marks})",
                codes,
            )
            found = {code: (tid, channel) for code, tid, channel in cur.fetchall()}
            for r in rows:
                if r[_CODE] in found and r[_TICKET] is None:
                    r[_TICKET], r[_CHANNEL] = found[r[_CODE]]
        cur.executemany(_INSERT_IGNORE, rows)


def pending() -> int:
    try:
        return int(_redis().llen(_names()[0]))
    except Exception:  # noqa: BLE001
        return 0


def flush(limit: int = 50_000) -> int:
    """Write buffered refusals to the log (at least once; duplicates are ignored). Returns rows taken."""
    key, lock = _names()
    client = _redis()
    if not client.set(lock, "1", nx=True, ex=60):
        return 0
    taken = 0
    try:
        while taken < limit:
            items = client.lrange(key, 0, FLUSH_BATCH - 1)
            if not items:
                break
            rows = []
            for raw in items:
                try:
                    rows.append(_decode(raw))
                except (ValueError, TypeError, IndexError):
                    log.warning("access: dropping an unreadable buffered scan %r", raw[:200])
            if rows:
                _write(rows)
            client.ltrim(key, len(items), -1)
            taken += len(items)
    finally:
        client.delete(lock)
    return taken
