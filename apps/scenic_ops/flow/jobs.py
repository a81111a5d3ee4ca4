"""Scheduled jobs of the visitor-flow domain."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from scenic_ops.core.scheduling import scheduled, set_progress


@scheduled("flow_levels", interval=15, timeout=60, queue="high", description="Check warning levels against the load")
def flow_levels_task(now):
    from scenic_ops.flow.services.levels import evaluate

    return f"changes={len(evaluate(now=now))}"


@scheduled(
    "flow_levels_standing",
    interval=60,
    timeout=60,
    queue="high",
    description="Tell other domains which warning levels stand at orange or red",
)
def flow_levels_standing_task(now):
    from scenic_ops.flow.services.levels import announce_standing

    return f"standing={announce_standing(now=now)}"


@scheduled("flow_forecast", cron="7 * * * *", timeout=600, queue="low", description="Forecast visitors for 14 days")
def flow_forecast_task(now, run=None):
    from scenic_ops.flow.services.forecasts import issue

    set_progress(run, 10)
    issued = issue(now=now)
    return f"days={len(issued)} model={issued[0].model if issued else '-'}"


@scheduled("flow_rollup", cron="15 0 * * *", timeout=300, queue="low", description="Roll up visitor counts per day")
def flow_rollup_task(now):
    from scenic_ops.flow.services.rollup import roll_up

    today = timezone.localdate(now)
    # Late device pushes are accepted for 48 hours: roll up the last two days again.
    days = [today - dt.timedelta(days=offset) for offset in (2, 1)]
    return ", ".join(f"{d}={roll_up(d).entries}" for d in days)


@scheduled(
    "flow_report_realtime", interval=60, timeout=120, queue="default", description="Real-time reports to platforms"
)
def flow_report_realtime_task(now):
    from scenic_ops.flow.services.reporting import report_realtime

    return f"sent={report_realtime(now=now)}"


@scheduled(
    "flow_report_daily", cron="30 0 * * *", timeout=300, queue="default", description="Daily reports to platforms"
)
def flow_report_daily_task(now):
    from scenic_ops.flow.services.reporting import report_daily

    return f"sent={report_daily(now=now)}"


@scheduled(
    "flow_purge", cron="40 3 * * *", timeout=1800, queue="low", description="Purge old device readings and passage keys"
)
def flow_purge_task(now):
    from scenic_ops.flow.models import DeviceReading, PassageKey

    keep_days = int(settings.SITE.get("flow", "device_reading_days", 35))
    keys, _ = PassageKey.objects.filter(created_at__lt=now - dt.timedelta(days=3)).delete()
    readings, _ = DeviceReading.objects.filter(received_at__lt=now - dt.timedelta(days=keep_days)).delete()
    return f"keys={keys} readings={readings}"


@scheduled("flow_backtest", cron="20 4 * * *", timeout=1800, queue="low", description="Backtest the visitor forecast")
def flow_backtest_task(now, run=None):
    from scenic_ops.flow.forecasting import NotEnoughHistory
    from scenic_ops.flow.services.forecasts import run_backtest

    try:
        result = run_backtest(progress=lambda share: set_progress(run, int(share * 100)))
    except NotEnoughHistory as exc:
        return f"skipped: {exc}"  # a young site: nothing to measure yet, not a failure to alert on
    return result.summary_line()
