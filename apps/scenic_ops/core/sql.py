"""The platform's raw SQL fragments, for other domains' one-round-trip blocks.

A hot path that commits in one compound statement (the booking block) cannot call
`audit.record` in the middle of it; it embeds this INSERT instead, so its audit row commits
with its change — or not at all.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from scenic_ops.core.sqlvalues import columns, placeholders, values

AUDIT_COLUMNS = (
    "at",
    "action",
    "actor_id",
    "actor_name",
    "ip",
    "content_type_id",
    "object_repr",
    "changes",
    "message",
)


@functools.lru_cache(maxsize=8)
def _audit_sql(object_id_sql: str) -> str:
    return (
        f"INSERT INTO core_auditevent ({columns(AUDIT_COLUMNS)},object_id) "
        f"VALUES ({placeholders(len(AUDIT_COLUMNS))},CAST({object_id_sql} AS CHAR))"
    )


def audit_insert(row: dict[str, Any], *, object_id_sql: str) -> tuple[str, list[Any]]:
    """(INSERT, params) of one audit event whose document id is an SQL expression (e.g. `@tk_order`)."""
    params = values(AUDIT_COLUMNS, row)
    params[AUDIT_COLUMNS.index("changes")] = json.dumps(
        row["changes"], cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    )
    return _audit_sql(object_id_sql), params


def insert_audit(row: dict[str, Any], object_id: str) -> int:
    """Write one audit event (`audit.record`) with the same INSERT; its id."""
    from django.db import connection

    statement, params = audit_insert(row, object_id_sql="%s")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, object_id])
        return cursor.lastrowid


def ping(cursor) -> None:
    """The health check's round trip to the database."""
    cursor.execute("SELECT 1")
    cursor.fetchone()
