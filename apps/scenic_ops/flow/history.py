"""Plausible visitor history for the demo site: weekday pattern, holidays with 调休 days,
Golden Week peaks, school holidays, seasons, growth, and weather-like noise. Seeded, so the
same dates always give the same history."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from scenic_ops.flow.forecasting import HOLIDAY_KINDS, HolidayCalendar, _holiday_blocks

WEEKDAY = [0.8, 0.74, 0.77, 0.85, 1.08, 2.05, 1.62]
HOLIDAY_SHAPES = {
    HOLIDAY_KINDS["national day"]: [3.7, 4.3, 4.1, 3.7, 3.1, 2.5, 1.9, 1.5],
    HOLIDAY_KINDS["spring festival"]: [0.55, 1.2, 2.3, 2.7, 2.5, 2.1, 1.6, 1.3, 1.1],
    HOLIDAY_KINDS["labour day"]: [3.3, 3.5, 3.1, 2.7, 2.1],
    HOLIDAY_KINDS["new year's day"]: [1.9, 1.7, 1.3],
}
OTHER_HOLIDAY = [2.5, 2.7, 1.9, 1.5]
# Arrivals by hour (share of the day), ordinary days and holidays.
ARRIVALS = {
    0: [0, 0, 0, 0, 0, 0, 0.005, 0.04, 0.12, 0.17, 0.17, 0.14, 0.1, 0.09, 0.075, 0.05, 0.03, 0.01, 0, 0, 0, 0, 0, 0],
    2: [0, 0, 0, 0, 0, 0, 0.02, 0.09, 0.17, 0.19, 0.16, 0.12, 0.09, 0.07, 0.05, 0.03, 0.01, 0, 0, 0, 0, 0, 0, 0],
}
ARRIVALS[1] = [(a + b) / 2 for a, b in zip(ARRIVALS[0], ARRIVALS[2], strict=True)]


@dataclass
class History:
    daily: dict[dt.date, int] = field(default_factory=dict)
    hourly: dict[tuple[dt.date, int], tuple[int, int]] = field(default_factory=dict)  # (entries, exits)
    booked: dict[dt.date, int] = field(default_factory=dict)
    capped: set[dt.date] = field(default_factory=set)
    peak: dict[dt.date, int] = field(default_factory=dict)


def _season(day: dt.date) -> float:
    doy = day.timetuple().tm_yday
    spring = math.exp(-(((doy - 110) / 28) ** 2))
    autumn = math.exp(-(((doy - 292) / 26) ** 2))
    winter = math.exp(-(((doy - 15) / 35) ** 2)) + math.exp(-(((doy - 380) / 35) ** 2))
    return 3000 * (1 + 0.45 * spring + 0.5 * autumn - 0.35 * winter)


def generate(
    start: dt.date,
    end: dt.date,
    cal: HolidayCalendar,
    *,
    daily_cap: int,
    seed: int = 20260501,
    hourly: bool = True,
) -> History:
    rng = np.random.default_rng(seed)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    blocks = _holiday_blocks(cal, days)
    out = History()
    weather = 0.0
    for index, day in enumerate(days):
        weather = 0.6 * weather + rng.normal(0, 0.1)
        rainy = 0.3 if day.month in (6, 7) else 0.12
        factor = math.exp(weather) * (rng.uniform(0.35, 0.7) if rng.random() < rainy else 1.0)
        kind = cal.day_type(day)
        position, _length, holiday, _to, _from = blocks[day]
        if kind == 2 or position:
            shape = HOLIDAY_SHAPES.get(holiday, OTHER_HOLIDAY)
            multiplier = shape[min(position, len(shape)) - 1] if position else WEEKDAY[day.weekday()]
        elif kind == 0 and day.weekday() >= 5:
            multiplier = 0.9  # 调休: a working Saturday or Sunday
        else:
            multiplier = WEEKDAY[day.weekday()]
        if kind == 0 and cal.is_school_holiday(day):
            multiplier *= 1.3
        growth = 1 + 0.08 * index / 365
        value = _season(day) * multiplier * factor * growth * math.exp(rng.normal(0, 0.06))
        entries = int(value)
        if entries >= daily_cap:
            entries = int(daily_cap - rng.integers(0, max(2, daily_cap // 200)))
            out.capped.add(day)
        out.daily[day] = entries
        out.booked[day] = int(entries * rng.uniform(0.6, 0.85))
        if hourly:
            profile = ARRIVALS[min(kind, 2) if position == 0 else 2]
            arrivals = rng.multinomial(entries, np.asarray(profile) / sum(profile))
            stay = 4  # mean visit of about four hours
            exits = [0] * 24
            for hour, n in enumerate(arrivals):
                if n:
                    split = rng.multinomial(int(n), [0.2, 0.35, 0.3, 0.15])
                    for offset, m in enumerate(split):
                        exits[min(hour + stay - 1 + offset, 19)] += int(m)
            present = peak = 0
            for hour in range(24):
                if arrivals[hour] or exits[hour]:
                    out.hourly[(day, hour)] = (int(arrivals[hour]), exits[hour])
                present += int(arrivals[hour]) - exits[hour]
                peak = max(peak, present)
            out.peak[day] = peak
    return out
