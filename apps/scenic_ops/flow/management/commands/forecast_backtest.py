"""Backtest the daily visitor forecast against seasonal-naive, on the stored history or a CSV.

    python manage.py forecast_backtest
    python manage.py forecast_backtest --csv visitors.csv [--holidays holidays.csv]

visitors.csv: `date,count` per day, or `date,hour,count` per hour (summed per day; the hourly
profile is then backtested too); a header row is optional. holidays.csv: `date,kind` with kind
`holiday` (休) or `workday` (班, a 调休 working weekend day). Without --holidays the platform's
holiday table is used. The last line is `model_mase=… naive_mase=… model_mape=… naive_mape=…`.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from scenic_ops.flow.forecasting import HolidayCalendar
from scenic_ops.flow.services import forecasts

KINDS = {"holiday": "holiday", "休": "holiday", "h": "holiday", "workday": "workday", "班": "workday", "w": "workday"}


def _date(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a plain calendar date
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def read_counts(path: Path) -> tuple[dict[dt.date, float], dict[tuple[dt.date, int], float]]:
    daily: dict[dt.date, float] = {}
    hourly: dict[tuple[dt.date, int], float] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise CommandError(f"{path}: the file is empty")
    header = [c.strip().lower() for c in rows[0]]
    if "date" in header:
        body = rows[1:]
        columns = {name: header.index(name) for name in ("date", "count", "hour") if name in header}
        if "count" not in columns:
            raise CommandError(f"{path}: the header needs a 'count' column")
    else:
        body = rows
        columns = {"date": 0, "count": 1} if len(rows[0]) == 2 else {"date": 0, "hour": 1, "count": 2}
    for number, row in enumerate(body, start=2 if "date" in header else 1):
        if not row or not "".join(row).strip():
            continue
        try:
            day = _date(row[columns["date"]])
            count = float(row[columns["count"]])
            if count < 0:
                raise ValueError("negative count")
            if "hour" in columns:
                hour = int(row[columns["hour"]])
                if not 0 <= hour <= 23:
                    raise ValueError(f"hour {hour} outside 0–23")
                hourly[(day, hour)] = hourly.get((day, hour), 0.0) + count
                daily[day] = daily.get(day, 0.0) + count
            else:
                if day in daily:
                    raise ValueError(f"{day} appears twice")
                daily[day] = count
        except (ValueError, IndexError) as exc:
            raise CommandError(f"{path}, line {number}: {exc}") from None
    return daily, hourly


def read_holidays(path: Path) -> HolidayCalendar:
    rows = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip() or row[0].strip().lower() == "date":
                continue
            try:
                kind = KINDS[row[1].strip().lower()]
                rows.append((_date(row[0]), kind, row[2].strip() if len(row) > 2 else ""))
            except (ValueError, IndexError, KeyError):
                raise CommandError(f"{path}, line {number}: expected date,kind with kind holiday or workday") from None
    return HolidayCalendar.from_rows(rows, school_holidays=forecasts.school_holidays())


class Command(BaseCommand):
    help = "Backtest the visitor forecast (MASE and MAPE against seasonal-naive) on the stored history or a CSV."

    def add_arguments(self, parser):
        parser.add_argument("--csv", type=Path, help="date,count (or date,hour,count) per row")
        parser.add_argument("--holidays", type=Path, help="date,kind with kind holiday or workday (调休)")
        parser.add_argument("--test-days", type=int, default=364, help="evaluate over the last N days (default 364)")
        parser.add_argument("--step", type=int, default=7, help="days between forecast origins (default 7)")
        parser.add_argument("--refit-every", type=int, default=28, help="refit the model every N days (default 28)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["csv"]:
            if not options["csv"].is_file():
                raise CommandError(f"{options['csv']}: no such file")
            series, hourly = read_counts(options["csv"])
            source = str(options["csv"])
        else:
            series, hourly = forecasts.stored_series()
            source = "stored history"
        if options["holidays"]:
            if not options["holidays"].is_file():
                raise CommandError(f"{options['holidays']}: no such file")
            cal = read_holidays(options["holidays"])
        else:
            cal = forecasts.holiday_calendar()
        if not series:
            raise CommandError("no history to backtest: load the demo (manage.py demo_site) or pass --csv")
        bar = tqdm(total=100, disable=options["no_progress"], desc="backtest", unit="%", leave=False)

        def progress(share: float) -> None:
            bar.update(int(share * 100) - bar.n)

        try:
            result = forecasts.run_backtest(
                series,
                cal,
                hourly or None,
                progress=progress,
                test_days=options["test_days"],
                step=options["step"],
                refit_every=options["refit_every"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        days = sorted(series)
        out = self.stdout.write
        out(f"history: {len(days)} days from {days[0]} to {days[-1]} ({source})")
        out(
            f"backtest: {result.pairs} forecasts 1-14 days ahead from {result.origins} weekly origins; "
            f"training before the first origin: {result.train_days} days; refit every {options['refit_every']} days"
        )
        out(f"MAE: model={result.model_mae:.1f} seasonal-naive={result.naive_mae:.1f} (MASE scale {result.scale:.1f})")
        out("MAPE by horizon (days ahead: model / seasonal-naive, %):")
        out("  " + "  ".join(f"{h}:{m:.1f}/{n:.1f}" for h, (m, n) in result.by_horizon.items()))
        if result.hourly:
            out(
                f"hourly arrivals MAPE (hours with ≥10 arrivals): model={result.hourly[0]:.2f} naive={result.hourly[1]:.2f}"
            )
        out("(MAPE in %; MASE scaled by the in-sample MAE of the same-weekday-last-week forecast)")
        out(result.summary_line())
