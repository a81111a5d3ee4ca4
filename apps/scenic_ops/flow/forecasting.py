"""Daily visitor forecasts: gradient-boosted trees on calendar features, and their backtest.

Pure functions over plain data (no Django): a series `{date: visitors}` and a `HolidayCalendar`.
The model (scikit-learn's HistGradientBoostingRegressor, see docs/adr/0004-visitor-forecasts.md)
predicts log visitors relative to the recent level, from features that are all known 14
days ahead: weekday, day type from the Chinese holiday table (holiday, weekend, 调休 working
weekend), position and length of a holiday block and which holiday it is, days to and from
the nearest holiday, school holidays, season, the level of days 14–42 before, and the same
weekday a year before. One model serves every horizon from 0 to 14 days.

The seasonal-naive baseline forecasts the last observed value of the same weekday.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

HORIZON = 14
LEVEL_FROM, LEVEL_TO = 42, 14  # the level feature averages days d-42 … d-15
MIN_TRAINING_DAYS = 120


class NotEnoughHistory(ValueError):
    """The site has too few days of counts to fit or to backtest the model (a young site)."""


FEATURES = [
    "weekday",
    "day_type",
    "makeup_workday",
    "holiday_position",
    "holiday_length",
    "holiday_kind",
    "days_to_holiday",
    "days_from_holiday",
    "school_holiday",
    "season_sin",
    "season_cos",
    "level",
    "last_year",
]
HOLIDAY_KINDS = {
    "spring festival": 1,
    "national day": 2,
    "labour day": 3,
    "tomb-sweeping day": 4,
    "dragon boat festival": 5,
    "mid-autumn festival": 6,
    "new year's day": 7,
}
DEFAULT_SCHOOL_HOLIDAYS = (((7, 10), (8, 31)), ((1, 20), (2, 20)))


@dataclass
class HolidayCalendar:
    """Public holidays and 调休 working days (weekend days that are working days)."""

    holidays: dict[dt.date, str] = field(default_factory=dict)  # date -> holiday name ("" if unknown)
    workdays: set[dt.date] = field(default_factory=set)
    school_holidays: tuple = DEFAULT_SCHOOL_HOLIDAYS

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[dt.date, str, str]], **kwargs) -> HolidayCalendar:
        """rows of (date, kind, name) with kind "holiday" or "workday"."""
        cal = cls(**kwargs)
        for day, kind, name in rows:
            if kind == "holiday":
                cal.holidays[day] = name or ""
            elif kind == "workday":
                cal.workdays.add(day)
        return cal

    def day_type(self, day: dt.date) -> int:
        """0 working day, 1 weekend, 2 public holiday."""
        if day in self.holidays:
            return 2
        if day in self.workdays:
            return 0
        return 1 if day.weekday() >= 5 else 0

    def is_school_holiday(self, day: dt.date) -> bool:
        md = (day.month, day.day)
        return any(start <= md <= end for start, end in self.school_holidays)


def _holiday_blocks(cal: HolidayCalendar, days: list[dt.date]) -> dict[dt.date, tuple[int, int, int, int, int]]:
    """For each day: (position in its holiday block, block length, holiday kind, days to next block, days since last)."""
    lo, hi = days[0] - dt.timedelta(days=30), days[-1] + dt.timedelta(days=30)
    # A block is a run of non-working days containing at least one public holiday.
    blocks: list[tuple[dt.date, dt.date, int]] = []
    day = lo
    while day <= hi:
        if cal.day_type(day) >= 1:
            start = day
            while day + dt.timedelta(days=1) <= hi and cal.day_type(day + dt.timedelta(days=1)) >= 1:
                day += dt.timedelta(days=1)
            run = [start + dt.timedelta(days=i) for i in range((day - start).days + 1)]
            names = [cal.holidays[d] for d in run if d in cal.holidays]
            if names:
                kind = max((HOLIDAY_KINDS.get(n.strip().lower(), 8 if n else 9) for n in names), default=0)
                kind = next(
                    (HOLIDAY_KINDS[n.strip().lower()] for n in names if n.strip().lower() in HOLIDAY_KINDS), kind
                )
                blocks.append((start, day, kind))
        day += dt.timedelta(days=1)
    out: dict[dt.date, tuple[int, int, int, int, int]] = {}
    starts = [b[0] for b in blocks]
    index = 0
    for day in days:
        while index < len(blocks) and blocks[index][1] < day:
            index += 1
        if index < len(blocks) and blocks[index][0] <= day <= blocks[index][1]:
            start, end, kind = blocks[index]
            out[day] = ((day - start).days + 1, (end - start).days + 1, kind, 0, 0)
            continue
        nxt = next((s for s in starts[index:] if s > day), None)
        prev = blocks[index - 1][1] if index > 0 else None
        to_next = min(15, (nxt - day).days) if nxt else 15
        from_prev = min(15, (day - prev).days) if prev else 15
        out[day] = (0, 0, 0, to_next, from_prev)
    return out


def features(days: list[dt.date], series: dict[dt.date, float], cal: HolidayCalendar) -> np.ndarray:
    """The feature matrix (rows follow `days`); values of `series` after a row's day minus 14 are not used."""
    days = sorted(days)
    if not days:
        return np.zeros((0, len(FEATURES)))
    blocks = _holiday_blocks(cal, days)
    logs = {d: math.log1p(v) for d, v in series.items() if v is not None and v >= 0}
    rows = []
    for day in days:
        window = [logs[d] for i in range(LEVEL_TO + 1, LEVEL_FROM + 1) if (d := day - dt.timedelta(days=i)) in logs]
        level = sum(window) / len(window) if len(window) >= 7 else math.nan
        last_year = logs.get(day - dt.timedelta(days=364), math.nan)
        position, length, kind, to_next, from_prev = blocks[day]
        angle = 2 * math.pi * (day.timetuple().tm_yday / 365.25)
        rows.append(
            [
                day.weekday(),
                cal.day_type(day),
                1 if day in cal.workdays and day.weekday() >= 5 else 0,
                position,
                length,
                kind,
                to_next,
                from_prev,
                1 if cal.is_school_holiday(day) else 0,
                math.sin(angle),
                math.cos(angle),
                level,
                last_year - level if not math.isnan(level) else math.nan,
            ]
        )
    return np.asarray(rows, dtype=float)


def one_thread():
    """Small fits run single-threaded: on a busy 2-core server OpenMP threads spin against each
    other (a 0.3 s fit took 50 s under load with two threads)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


class DailyModel:
    """Point and 90th-percentile forecasts of daily visitors."""

    name = "hgb-calendar-v1"

    def __init__(self, *, quantile: bool = True, random_state: int = 0) -> None:
        self.quantile = quantile
        self.random_state = random_state
        self.point = None
        self.high = None

    def _estimator(self, **kwargs):
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(
            max_iter=120,
            learning_rate=0.1,
            max_leaf_nodes=15,
            min_samples_leaf=8,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=self.random_state,
            **kwargs,
        )

    def fit(self, series: dict[dt.date, float], cal: HolidayCalendar, *, until: dt.date | None = None) -> DailyModel:
        days = sorted(d for d, v in series.items() if v is not None and (until is None or d <= until))
        if len(days) < MIN_TRAINING_DAYS:
            raise NotEnoughHistory(f"need {MIN_TRAINING_DAYS} days of history, have {len(days)}")
        known = {d: series[d] for d in days}
        x = features(days, known, cal)
        level = x[:, FEATURES.index("level")]
        keep = ~np.isnan(level)
        y = np.log1p(np.asarray([known[d] for d in days], dtype=float)) - np.nan_to_num(level)
        x, y = x[keep], y[keep]
        empty = np.all(np.isnan(x), axis=0)  # e.g. "last year" with under a year of history
        x[:, empty] = 0.0
        with one_thread():
            self.point = self._estimator().fit(x, y)
            if self.quantile:
                self.high = self._estimator(loss="quantile", quantile=0.9).fit(x, y)
        self._history = known
        self._cal = cal
        return self

    def predict(
        self, days: list[dt.date], *, history: dict[dt.date, float] | None = None
    ) -> dict[dt.date, tuple[float, float]]:
        """{day: (forecast, high)} for days up to 14 after the end of `history` (default: the training data)."""
        history = self._history if history is None else history
        days = sorted(days)
        x = features(days, history, self._cal)
        level = x[:, FEATURES.index("level")]
        fallback = _fallback_level(history)
        level = np.where(np.isnan(level), fallback, level)
        x[:, FEATURES.index("level")] = level
        with one_thread():
            point = np.expm1(self.point.predict(x) + level)
            high = np.expm1(self.high.predict(x) + level) if self.high is not None else point
        return {
            d: (max(0.0, float(p)), max(float(p), float(h), 0.0)) for d, p, h in zip(days, point, high, strict=True)
        }


def _fallback_level(history: dict[dt.date, float]) -> float:
    recent = sorted(history)[-28:]
    values = [math.log1p(history[d]) for d in recent if history[d] is not None]
    return sum(values) / len(values) if values else 0.0


def seasonal_naive(series: dict[dt.date, float], origin: dt.date, day: dt.date) -> float | None:
    """The last value observed by `origin` on the same weekday as `day`."""
    steps = max(1, math.ceil((day - origin).days / 7))
    return series.get(day - dt.timedelta(days=7 * steps))


# --- backtest --------------------------------------------------------------------------------


@dataclass
class BacktestResult:
    pairs: int
    origins: int
    train_days: int
    model_mae: float
    naive_mae: float
    scale: float
    model_mape: float
    naive_mape: float
    by_horizon: dict[int, tuple[float, float]] = field(default_factory=dict)  # h -> (model MAPE, naive MAPE)
    hourly: tuple[float, float] | None = None  # (model MAPE, naive MAPE) of hourly arrivals

    @property
    def model_mase(self) -> float:
        return self.model_mae / self.scale

    @property
    def naive_mase(self) -> float:
        return self.naive_mae / self.scale

    def summary_line(self) -> str:
        return (
            f"model_mase={self.model_mase:.3f} naive_mase={self.naive_mase:.3f} "
            f"model_mape={self.model_mape:.2f} naive_mape={self.naive_mape:.2f}"
        )


def backtest(
    series: dict[dt.date, float],
    cal: HolidayCalendar,
    *,
    test_days: int = 364,
    step: int = 7,
    refit_every: int = 28,
    horizon: int = HORIZON,
    hourly: dict[tuple[dt.date, int], float] | None = None,
    progress: Callable[[float], None] | None = None,
) -> BacktestResult:
    """Rolling-origin evaluation over the last `test_days`: forecasts 1…horizon days ahead from
    weekly origins, the model refitted every `refit_every` days on data up to the origin only."""
    days = sorted(d for d, v in series.items() if v is not None)
    if len(days) < MIN_TRAINING_DAYS + 28:
        raise NotEnoughHistory(f"need {MIN_TRAINING_DAYS + 28} days of history, have {len(days)}")
    last = days[-1]
    test_days = min(test_days, (last - days[0]).days - MIN_TRAINING_DAYS)
    first_origin = last - dt.timedelta(days=test_days)
    train = [d for d in days if d <= first_origin]
    diffs = [abs(series[d] - series[d - dt.timedelta(days=7)]) for d in train if d - dt.timedelta(days=7) in series]
    scale = sum(diffs) / len(diffs) if diffs else 1.0
    origins = []
    origin = first_origin
    while origin < last:
        origins.append(origin)
        origin += dt.timedelta(days=step)
    model: DailyModel | None = None
    fitted_at: dt.date | None = None
    errors_model, errors_naive, ape_model, ape_naive = [], [], [], []
    by_h: dict[int, list[tuple[float, float]]] = {}
    hourly_ape: list[tuple[float, float]] = []
    hourly_days = by_day(hourly) if hourly else None
    profiles: dict = {}
    for number, origin in enumerate(origins):
        if model is None or (origin - fitted_at).days >= refit_every:
            model = DailyModel(quantile=False).fit(series, cal, until=origin)
            fitted_at = origin
        known = {d: v for d, v in series.items() if d <= origin}
        targets = [origin + dt.timedelta(days=h) for h in range(1, horizon + 1)]
        targets = [d for d in targets if d in series and d <= last]
        predictions = model.predict(targets, history=known) if targets else {}
        for day in targets:
            actual = series[day]
            naive = seasonal_naive(series, origin, day)
            if naive is None:
                continue
            predicted = predictions[day][0]
            errors_model.append(abs(predicted - actual))
            errors_naive.append(abs(naive - actual))
            if actual > 0:
                pair = (abs(predicted - actual) / actual, abs(naive - actual) / actual)
                ape_model.append(pair[0])
                ape_naive.append(pair[1])
                by_h.setdefault((day - origin).days, []).append(pair)
            if hourly_days is not None:
                hourly_ape.extend(_hourly_errors(hourly_days, profiles, cal, origin, day, predicted))
        if progress:
            progress((number + 1) / len(origins))
    if not errors_model:
        raise ValueError("no day could be evaluated")
    return BacktestResult(
        pairs=len(errors_model),
        origins=len(origins),
        train_days=len(train),
        model_mae=sum(errors_model) / len(errors_model),
        naive_mae=sum(errors_naive) / len(errors_naive),
        scale=scale,
        model_mape=100 * sum(ape_model) / max(1, len(ape_model)),
        naive_mape=100 * sum(ape_naive) / max(1, len(ape_naive)),
        by_horizon={
            h: (100 * sum(p[0] for p in v) / len(v), 100 * sum(p[1] for p in v) / len(v))
            for h, v in sorted(by_h.items())
        },
        hourly=(
            100 * sum(p[0] for p in hourly_ape) / len(hourly_ape),
            100 * sum(p[1] for p in hourly_ape) / len(hourly_ape),
        )
        if hourly_ape
        else None,
    )


# --- hourly profile ---------------------------------------------------------------------------

DEFAULT_PROFILE = [
    0,
    0,
    0,
    0,
    0,
    0,
    0.01,
    0.05,
    0.13,
    0.17,
    0.16,
    0.13,
    0.1,
    0.09,
    0.07,
    0.05,
    0.03,
    0.01,
    0,
    0,
    0,
    0,
    0,
    0,
]


def by_day(hourly: dict[tuple[dt.date, int], float]) -> dict[dt.date, list[float]]:
    out: dict[dt.date, list[float]] = {}
    for (day, hour), value in hourly.items():
        out.setdefault(day, [0.0] * 24)[hour] += value
    return out


def hourly_profile(
    days: dict[dt.date, list[float]], cal: HolidayCalendar, day_type: int, *, until: dt.date, weeks: int = 8
) -> list[float]:
    """Share of a day's arrivals in each hour, from days of the same type in the last `weeks` (two years for holidays)."""
    since = until - dt.timedelta(weeks=weeks if day_type < 2 else 104)
    totals = [0.0] * 24
    for day, values in days.items():
        if since <= day <= until and cal.day_type(day) == day_type:
            for hour, value in enumerate(values):
                if value > 0:
                    totals[hour] += value
    whole = sum(totals)
    if whole <= 0:
        return list(DEFAULT_PROFILE)
    return [t / whole for t in totals]


def _hourly_errors(days, profiles, cal, origin: dt.date, day: dt.date, predicted: float) -> list[tuple[float, float]]:
    kind = cal.day_type(day)
    if (origin, kind) not in profiles:
        profiles[(origin, kind)] = hourly_profile(days, cal, kind, until=origin)
    profile = profiles[(origin, kind)]
    naive_day = day - dt.timedelta(days=7 * max(1, math.ceil((day - origin).days / 7)))
    actual_day, naive_values = days.get(day), days.get(naive_day)
    if actual_day is None or naive_values is None:
        return []
    out = []
    for hour in range(24):
        actual = actual_day[hour]
        if actual >= 10:
            out.append((abs(predicted * profile[hour] - actual) / actual, abs(naive_values[hour] - actual) / actual))
    return out
