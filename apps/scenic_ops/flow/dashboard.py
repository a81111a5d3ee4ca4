"""Desk cards of the visitor-flow domain: live figures, level, hourly entries vs forecast,
forecast vs actual, device feed health."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards
from scenic_ops.core.dbrouter import reporting_db


@cards(permission="flow.view_levelchange")
def flow_cards(request, now: dt.datetime) -> list[Card]:
    from scenic_ops.flow import selectors
    from scenic_ops.flow.models import CountingDevice, DailyFlow, Forecast

    status = selectors.live_status()
    today = timezone.localdate(now)
    out = [
        Card(
            title=_("In the park now"),
            kind="number",
            value=f"{status['in_park']:,}",
            hint=_("{percent} of {capacity}; {entries} entries today").format(
                percent=f"{status['in_park_percent']} %",
                capacity=status["capacity"]["instant"],
                entries=status["entries_today"],
            ),
            order=3,
            width="third",
            link="/flow/screen/",
        ),
        Card(
            title=_("Warning level"),
            kind="number",
            value=status["level"]["zh"] if (request.LANGUAGE_CODE or "zh").startswith("zh") else status["level"]["en"],
            hint=_("Sales stopped for today") if status["sales_halted"] else _("Sales open"),
            order=4,
            width="third",
            link="/admin/flow/levelchange/",
        ),
    ]
    devices = list(CountingDevice.objects.using(reporting_db()).filter(active=True))
    stale = [d for d in devices if d.is_stale(now)]
    out.append(
        Card(
            title=_("Counting devices silent"),
            kind="number",
            value=f"{len(stale)} / {len(devices)}",
            hint=", ".join(d.code for d in stale[:5]),
            order=5,
            width="third",
            link="/admin/flow/countingdevice/",
        )
    )
    open_h, close_h = 7, 19
    hours = list(range(open_h, close_h + 1))
    forecast = status["hourly"]["forecast"] or [0] * 24
    out.append(
        Card(
            title=_("Entries per hour today and the forecast"),
            chart_type="line",
            labels=[f"{h}:00" for h in hours],
            datasets=[
                {"name": _("Entries"), "values": [status["hourly"]["entries"][h] for h in hours]},
                {"name": _("Forecast"), "values": [forecast[h] for h in hours]},
            ],
            colors=["#0ea5e9", "#ec4899"],
            order=40,
            link="/flow/screen/",
        )
    )
    days = [today - dt.timedelta(days=offset) for offset in range(27, -1, -1)]
    actual = dict(DailyFlow.objects.using(reporting_db()).filter(day__gte=days[0]).values_list("day", "entries"))
    actual[today] = status["entries_today"]
    issued = {
        f.day: f.predicted
        for f in Forecast.objects.using(reporting_db()).filter(day__gte=days[0], horizon=1).order_by("issued_on")
    }
    upcoming = selectors.upcoming_forecasts(today, 15)
    issued.setdefault(today, next((f.predicted for f in upcoming if f.day == today), 0))
    out.append(
        Card(
            title=_("Visitors per day: forecast a day ahead and actual"),
            chart_type="line",
            labels=[d.strftime("%m-%d") for d in days],
            datasets=[
                {"name": _("Actual"), "values": [actual.get(d, 0) for d in days]},
                {"name": _("Forecast"), "values": [issued.get(d, 0) for d in days]},
            ],
            colors=["#10b981", "#8b5cf6"],
            order=41,
            width="full",
            link="/admin/flow/dailyflow/",
        )
    )
    ahead = [f for f in upcoming if f.day > today]
    out.append(
        Card(
            title=_("Forecast for the next 14 days"),
            chart_type="bar",
            labels=[f.day.strftime("%m-%d") for f in ahead],
            datasets=[
                {"name": _("Forecast"), "values": [f.predicted for f in ahead]},
                {"name": _("High (90th percentile)"), "values": [f.high for f in ahead]},
            ],
            colors=["#8b5cf6", "#c4b5fd"],
            order=42,
            width="full",
            link="/admin/flow/forecastwarning/",
        )
    )
    return out
