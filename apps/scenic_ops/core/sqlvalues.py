"""Values between Python and raw SQL, in one place for every domain's `sql.py`.

Django converts values for the ORM; raw SQL (the hot paths) gets them as the driver gives
them. PyMySQL hands back DATETIME as naive datetimes (stored as UTC, `USE_TZ = True`) and
TIME as `timedelta`; it takes parameters the same way. Rows are read by column name, never
by position, so adding a column to a SELECT cannot shift another one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from pymysql import converters
from pymysql.constants import SERVER_STATUS

T = TypeVar("T")


def utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime as the naive UTC value a DATETIME column stores."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A DATETIME column's naive UTC value as an aware datetime (aware values pass through)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def as_time(value: dt.timedelta | dt.time | None) -> dt.time | None:
    """A TIME column (PyMySQL: `timedelta`) as a time of day."""
    if value is None or isinstance(value, dt.time):
        return value
    seconds = int(value.total_seconds())
    return dt.time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)


def names(cursor) -> list[str]:
    return [col[0] for col in cursor.description or ()]


def fetch_dicts(cursor) -> list[dict[str, Any]]:
    """The cursor's rows as {column name: value}."""
    columns = names(cursor)
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def fetch_dict(cursor) -> dict[str, Any] | None:
    row = cursor.fetchone()
    return None if row is None else dict(zip(names(cursor), row, strict=True))


def build(cls: type[T], row: dict[str, Any] | None, **converters_by_name) -> T | None:
    """A dataclass from a named row: `build(TicketRow, fetch_dict(cur), first_used_at=aware)`."""
    if row is None:
        return None
    for name, convert in converters_by_name.items():
        row[name] = convert(row.get(name))
    return cls(**row)


def columns(names_: Sequence[str]) -> str:
    return ", ".join(names_)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def values(names_: Sequence[str], row: dict[str, Any]) -> list[Any]:
    """A named row's values in the order of `names_` (KeyError names a missing column)."""
    return [row[name] for name in names_]


def render(sql: str, params: Iterable[Any], conn) -> str:
    """`sql` with its `%s` markers replaced by literals, as PyMySQL's `mogrify` would write them.

    For compound statements with many values (the booking block): PyMySQL's escaping costs
    more than the statement's own execution there. Strings are escaped exactly as PyMySQL does
    (honouring NO_BACKSLASH_ESCAPES), bytes become hex literals, as PyMySQL writes them too.
    """
    if conn.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:

        def escape_string(text: str) -> str:
            return text.replace("'", "''")

    else:
        escape_string = converters.escape_string
    out: list[str] = []
    for value in params:
        kind = type(value)
        if value is None:
            out.append("NULL")
        elif kind is int:
            out.append(str(value))
        elif kind is bool:
            out.append("1" if value else "0")
        elif isinstance(value, str):
            out.append("'" + escape_string(value) + "'")
        elif kind is bytes:
            out.append("x'" + value.hex() + "'")
        elif kind is Decimal:
            out.append(format(value, "f"))
        elif kind is dt.datetime:
            out.append("'" + value.isoformat(sep=" ") + "'")
        elif kind is dt.date:
            out.append("'" + value.isoformat() + "'")
        else:
            out.append(conn.escape(value))
    return sql % tuple(out)
