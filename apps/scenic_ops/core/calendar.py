"""Working days and day types from the holiday table (CalendarDay), cached per process briefly.

day_type(d)        -> "holiday" | "weekend" | "workday"
is_working_day(d)  -> False on holidays and on weekends that are not 调休 working days
add_working_time(start, hours, ...) -> when `hours` of working time have passed
"""

from __future__ import annotations

import datetime as dt
import time
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from scenic_ops.core.models.calendar import CalendarDay

HOLIDAY, WEEKEND, WORKDAY = "holiday", "weekend", "workday"
_TTL = 60.0


@lru_cache(maxsize=1)
def _table(stamp: int) -> dict[dt.date, str]:
    return dict(CalendarDay.objects.values_list("date", "kind"))


def table() -> dict[dt.date, str]:
    return _table(int(time.monotonic() // _TTL))


def invalidate() -> None:
    _table.cache_clear()


def day_type(day: dt.date) -> str:
    kind = table().get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return HOLIDAY
    if kind == CalendarDay.Kind.WORKDAY:
        return WORKDAY
    return WEEKEND if day.weekday() >= 5 else WORKDAY


def is_working_day(day: dt.date) -> bool:
    return day_type(day) == WORKDAY


def add_working_time(
    start: dt.datetime,
    hours: float,
    *,
    day_start: dt.time = dt.time(8, 30),
    day_end: dt.time = dt.time(17, 30),
    around_the_clock: bool = False,
) -> dt.datetime:
    """The moment `hours` of working time after `start` (site local time, working days only)."""
    if around_the_clock:
        return start + dt.timedelta(hours=hours)
    tz = timezone.get_current_timezone()
    cursor = timezone.localtime(start, tz)
    remaining = dt.timedelta(hours=hours)
    for _ in range(3660):  # ten years of days at most
        day = cursor.date()
        opens = timezone.make_aware(dt.datetime.combine(day, day_start), tz)
        closes = timezone.make_aware(dt.datetime.combine(day, day_end), tz)
        if is_working_day(day) and cursor < closes:
            begin = max(cursor, opens)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        cursor = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0)), tz)
    raise ValueError("working time does not fit in ten years")


@transaction.atomic
def seed_from_package() -> int:
    """Load 2004–2026 from the chinese-calendar package (holidays and 调休 days); keeps edits."""
    from chinese_calendar import constants

    created = 0
    for kind, source in (
        (CalendarDay.Kind.HOLIDAY, constants.holidays),
        (CalendarDay.Kind.WORKDAY, constants.workdays),
    ):
        for day, name in source.items():
            label = name.value if hasattr(name, "value") else str(name)
            _, was_created = CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": label[:40]})
            created += was_created
    invalidate()
    return created
