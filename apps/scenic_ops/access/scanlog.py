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

from scenic_ops.access import sql
from scenic_ops.ticketing import gate

log = logging.getLogger(__name__)

COLUMNS = sql.SCAN_COLUMNS
FLUSH_BATCH = 2000

_client = None
_keys: tuple[str, str] | None = None


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
    return sql.insert_scan(cursor, sql.scan_row(**values))


def buffer(**values) -> None:
    """Append a refusal decided without the database: through Redis, written by `flush()`."""
    values["log_key"] = uuid.uuid4().hex
    data = sql.scan_row(**values)
    for name, value in data.items():
        if isinstance(value, dt.datetime):
            data[name] = value.isoformat(timespec="microseconds")
    try:
        _redis().rpush(_names()[0], json.dumps(data, separators=(",", ":")))
    except Exception:  # noqa: BLE001 - Redis down: write it now rather than lose it
        log.warning("access: scan buffer unavailable, writing the refusal directly", exc_info=True)
        _write([data])


def _decode(raw: bytes) -> dict:
    data = json.loads(raw)
    if isinstance(data, list):  # rows buffered before rows were kept by name
        data = dict(zip(COLUMNS, data, strict=True))
    for name in ("at", "received_at"):
        if data.get(name):
            data[name] = dt.datetime.fromisoformat(data[name])
    return data


def _write(rows: list[dict]) -> None:
    # A verified code refused before the database: link the scan to its ticket now.
    links = gate.link_codes([r["ticket_code"] for r in rows if r["ticket_code"] and r["ticket_id"] is None])
    for r in rows:
        if r["ticket_id"] is None and r["ticket_code"] in links:
            r["ticket_id"], r["channel"] = links[r["ticket_code"]]
    with connection.cursor() as cur:
        sql.insert_scans_ignoring_duplicates(cur, rows)


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
