"""Forecasts: the backtest on the demo history beats seasonal-naive on MASE; CSV input; issued
forecasts use bookings as a floor and raise early warnings with suggestions."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scenic_ops.flow.forecasting import HolidayCalendar, backtest, seasonal_naive
from scenic_ops.flow.history import generate

LAST_LINE = re.compile(
    r"^model_mase=(?P<model_mase>\d+\.\d+) naive_mase=(?P<naive_mase>\d+\.\d+) "
    r"model_mape=(?P<model_mape>\d+\.\d+) naive_mape=(?P<naive_mape>\d+\.\d+)$"
)


def _run(*args) -> tuple[str, dict[str, float]]:
    out = io.StringIO()
    call_command("forecast_backtest", "--no-progress", *args, stdout=out)
    text = out.getvalue()
    match = LAST_LINE.match(text.strip().splitlines()[-1])
    assert match, text
    return text, {k: float(v) for k, v in match.groupdict().items()}


@pytest.mark.django_db
def test_demo_builds_and_the_backtest_on_its_history_beats_seasonal_naive():
    from scenic_ops.core import calendar
    from scenic_ops.core import demo as core_demo
    from scenic_ops.flow import demo
    from scenic_ops.flow.models import DailyFlow, FlowCount, Forecast

    calendar.seed_from_package()
    out = io.StringIO()
    core_demo.build(out)  # the demo site: zones and the capacity from sites/default
    demo.build(out)
    demo.build(out)  # idempotent
    assert DailyFlow.objects.count() == demo.HISTORY_DAYS
    assert FlowCount.objects.filter(zone_key=0).count() > 300 * 8
    assert Forecast.objects.filter(issued_on=timezone.localdate()).count() == 15
    text, figures = _run()
    assert "stored history" in text and "hourly arrivals MAPE" in text
    assert figures["model_mase"] < figures["naive_mase"], text
    assert figures["model_mape"] < figures["naive_mape"], text


def test_seasonal_naive_uses_the_last_observed_same_weekday():
    origin = dt.date(2026, 3, 1)
    series = {origin - dt.timedelta(days=i): float(i) for i in range(30)}
    assert seasonal_naive(series, origin, origin + dt.timedelta(days=3)) == 4.0  # 7 days before the target
    assert seasonal_naive(series, origin, origin + dt.timedelta(days=10)) == 4.0  # 14 days before


@pytest.mark.django_db
def test_backtest_on_a_csv_with_hours_and_a_holiday_file(tmp_path):
    holidays = {dt.date(2025, 10, d): "National Day" for d in range(1, 9)}
    workdays = {dt.date(2025, 9, 28), dt.date(2025, 10, 11)}
    cal = HolidayCalendar(holidays=holidays, workdays=workdays)
    start, end = dt.date(2025, 3, 1), dt.date(2025, 12, 31)
    history = generate(start, end, cal, daily_cap=50000, seed=7)
    counts = tmp_path / "visitors.csv"
    counts.write_text(
        "date,hour,count\n" + "".join(f"{d},{h},{e}\n" for (d, h), (e, _x) in sorted(history.hourly.items())),
        encoding="utf-8",
    )
    holiday_file = tmp_path / "holidays.csv"
    holiday_file.write_text(
        "date,kind\n"
        + "".join(f"{d},holiday\n" for d in sorted(holidays))
        + "".join(f"{d},workday\n" for d in sorted(workdays)),
        encoding="utf-8",
    )
    text, figures = _run("--csv", str(counts), "--holidays", str(holiday_file), "--test-days", "120")
    assert "visitors.csv" in text and "hourly arrivals MAPE" in text
    assert figures["model_mase"] < figures["naive_mase"], text


def test_backtest_of_a_plain_daily_csv_without_header(tmp_path):
    cal = HolidayCalendar()
    history = generate(dt.date(2025, 1, 1), dt.date(2025, 9, 30), cal, daily_cap=50000, seed=3, hourly=False)
    path = tmp_path / "daily.csv"
    path.write_text("".join(f"{d},{v}\n" for d, v in history.daily.items()), encoding="utf-8")
    result = backtest(history.daily, cal, test_days=56)
    assert result.pairs > 50 and result.model_mase > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,count\n2025-01-01,12\n2025-01-02,-4\n", "line 3: negative count"),
        ("date,count\n2025-01-01,12\nyesterday,4\n", "line 3: not a date"),
        ("date,visitors\n2025-01-01,12\n", "'count' column"),
        ("date,count\n2025-01-01,12\n2025-01-02,13\n", "need"),
        ("", "empty"),
    ],
)
def test_bad_csv_is_refused_with_the_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("forecast_backtest", "--no-progress", "--csv", str(path), stdout=io.StringIO())


@pytest.mark.django_db
def test_issued_forecast_respects_bookings_and_warns_days_ahead(site, monkeypatch, make_user):
    """A day booked near capacity is forecast at least at its bookings and raises a warning with suggestions."""
    from scenic_ops.core.models import OutboxMessage
    from scenic_ops.flow.models import DailyFlow, Forecast, ForecastWarning
    from scenic_ops.flow.services import forecasts

    make_user("manager").__class__.objects.filter(groups__role__code="manager").update(email="duty@example.cn")
    today = timezone.localdate()
    cal = forecasts.holiday_calendar()
    history = generate(today - dt.timedelta(days=300), today - dt.timedelta(days=1), cal, daily_cap=2250, hourly=False)
    DailyFlow.objects.bulk_create([DailyFlow(day=d, entries=min(v // 10, 2000)) for d, v in history.daily.items()])
    busy = today + dt.timedelta(days=5)
    monkeypatch.setattr(forecasts, "booked_per_day", lambda start, end: {busy: 2200})
    issued = forecasts.issue()
    assert len(issued) == 15 and issued[0].model == "hgb-calendar-v1"
    row = Forecast.objects.get(day=busy, issued_on=today)
    assert row.predicted >= 2200 * 0.95 and row.booked == 2200
    warning = ForecastWarning.objects.get(day=busy)
    assert warning.active and float(warning.load_percent) > 90  # open capacity 3,000 × 75 % = 2,250
    assert "P2停车场" in warning.suggestion  # the overflow car park is suggested
    assert "3000" in warning.suggestion  # raise slot limits towards the approved capacity
    assert OutboxMessage.objects.filter(channel="email", source="flow:level").exists()
    outlook = forecasts.outlook(today)
    assert len(outlook["days"]) == 15 and len(outlook["today_hourly"]) == 24
    # The bookings drop (cancellations): the next issue clears the warning.
    monkeypatch.setattr(forecasts, "booked_per_day", lambda start, end: {})
    forecasts.issue()
    warning.refresh_from_db()
    assert not warning.active
