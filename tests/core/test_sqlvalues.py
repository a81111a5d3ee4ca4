"""Raw SQL support shared by the domains' sql.py modules: values, rendering, one-round-trip blocks."""

from __future__ import annotations

import datetime as dt

import pytest

from scenic_ops.core import sqlblock, sqlvalues


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "O'Brien",
        'say "hi"',
        "back\\slash",
        "100%",
        "%s",
        "行\u00a0人",
        "tab\tnew\nline",
        "nul\x00byte",
        "\\'; DROP TABLE x; --",
    ],
)
def test_rendered_literals_round_trip(db, text):
    import datetime as dt
    from decimal import Decimal

    from django.db import connection

    from scenic_ops.core.sqlvalues import render

    values = [
        text,
        b"\x00\x01'\\\xff",
        42,
        None,
        True,
        Decimal("12.50"),
        dt.date(2026, 5, 1),
        dt.datetime(2026, 5, 1, 8, 30, 1, 5),
    ]
    with connection.cursor() as cur:
        cur.execute(render("SELECT %s, %s, %s, %s, %s, %s, %s, %s", values, connection.connection))
        row = cur.fetchone()
    assert row[0] == text and bytes(row[1]) == values[1] and row[2] == 42 and row[3] is None and row[4] == 1
    assert (
        Decimal(str(row[5])) == Decimal("12.50")
        and str(row[6]) == "2026-05-01"
        and str(row[7]).startswith("2026-05-01 08:30:01")
    )


def test_conversions_between_columns_and_python():
    aware = dt.datetime(2026, 5, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert sqlvalues.utc_naive(aware) == dt.datetime(2026, 5, 1, 0, 30)
    assert sqlvalues.aware(dt.datetime(2026, 5, 1, 0, 30)) == aware
    assert sqlvalues.aware(None) is None and sqlvalues.utc_naive(None) is None
    assert sqlvalues.as_time(dt.timedelta(hours=9, minutes=30)) == dt.time(9, 30)
    assert sqlvalues.as_time(dt.time(9, 30)) == dt.time(9, 30)


def test_rows_are_read_by_column_name(db):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'")
        assert sqlvalues.fetch_dicts(cur) == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
        cur.execute("SELECT 1 AS a FROM DUAL WHERE FALSE")
        assert sqlvalues.fetch_dict(cur) is None
    with pytest.raises(KeyError):
        sqlvalues.values(("a", "missing"), {"a": 1})


def _counter_block(ok: str) -> str:
    return sqlblock.transaction_block(
        savepoint="t_block",
        body=["UPDATE core_calendarday SET name = CONCAT(name, 'x') WHERE id = @t_day"],
        ok=ok,
        then=["SELECT name FROM core_calendarday WHERE id = @t_day"],
    )


@pytest.fixture
def a_day(db):
    from django.db import connection

    from scenic_ops.core.models import CalendarDay

    day = CalendarDay.objects.create(date=dt.date(2031, 1, 2), kind="workday", name="")
    with connection.cursor() as cur:
        cur.execute("SET @t_day = %s", [day.pk])
    return day


@pytest.mark.django_db(transaction=True)
def test_a_block_commits_its_own_transaction_without_a_caller(a_day):
    from django.db import connection

    with connection.cursor() as cur:
        assert sqlblock.run(cur, _counter_block("ROW_COUNT() = 1")) == [("x",)]
        assert sqlblock.run(cur, _counter_block("ROW_COUNT() = 2")) == []  # refused: rolled back
    a_day.refresh_from_db()
    assert a_day.name == "x" and not connection.in_atomic_block


def test_inside_a_callers_transaction_a_block_is_a_savepoint_of_it(a_day):
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cur:
            assert sqlblock.run(cur, _counter_block("ROW_COUNT() = 1")) == [("x",)]
            assert sqlblock.run(cur, _counter_block("ROW_COUNT() = 2")) == []  # only its own savepoint rolls back
            cur.execute("SELECT @@in_transaction")
            assert cur.fetchone()[0] == 1  # the caller's transaction is still open
        a_day.refresh_from_db()
        assert a_day.name == "x"
        transaction.set_rollback(True)  # and the caller decides: rolled back, nothing stays
    a_day.refresh_from_db()
    assert a_day.name == ""


def test_an_error_inside_a_block_rolls_it_back_and_is_raised(a_day):
    from django.db import DatabaseError, connection, transaction

    failing = sqlblock.transaction_block(
        savepoint="t_block",
        body=["UPDATE core_calendarday SET name = 'changed' WHERE id = @t_day"],
        ok="ROW_COUNT() = 1",
        then=["SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom'"],
    )
    with transaction.atomic(), connection.cursor() as cur:
        with pytest.raises(DatabaseError, match="boom"):
            sqlblock.run(cur, failing)
        a_day.refresh_from_db()
        assert a_day.name == ""  # the savepoint was rolled back; the caller's transaction goes on
