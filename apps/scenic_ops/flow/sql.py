"""Visitor flow's raw SQL: the hourly passage counter (on the gates' hot path) and passage keys.

A passage is an `INSERT … ON DUPLICATE KEY UPDATE` on a row sharded by (day, place, hour,
shard), so concurrent gates rarely wait on the same row. The statement is also handed to the
gates' one-round-trip admission (`flow.services.passage_statement`), which runs it inside its
own compound statement: the only way flow's table appears in another domain's transaction.
"""

from __future__ import annotations

import datetime as dt

COUNT_UPSERT = (
    "INSERT INTO flow_flowcount (day, zone_key, hour, shard, entries, exits) VALUES (%s, %s, %s, %s, %s, %s) "
    "ON DUPLICATE KEY UPDATE entries = entries + VALUES(entries), exits = exits + VALUES(exits)"
)


def count_params(day: dt.date, zone_key: int, hour: int, shard: int, entries: int, exits: int) -> list:
    return [day, zone_key, hour, shard, entries, exits]


def add_counts(cursor, *, day: dt.date, zone_key: int, hour: int, shard: int, entries: int, exits: int) -> None:
    cursor.execute(COUNT_UPSERT, count_params(day, zone_key, hour, shard, entries, exits))


def claim_passage_key(cursor, key: str, now: dt.datetime) -> bool:
    """True the first time `key` is claimed (a retried or re-uploaded passage counts once)."""
    cursor.execute("INSERT IGNORE INTO flow_passagekey (`key`, created_at) VALUES (%s, %s)", [key, now])
    return cursor.rowcount == 1
