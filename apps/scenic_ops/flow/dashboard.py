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
    upcoming = [today + dt.timedelta(days=offset) for offset in range(1, 15)]
    actual = dict(DailyFlow.objects.using(reporting_db()).filter(day__gte=days[0]).values_list("day", "entries"))
    actual[today] = status["entries_today"]
    issued = {
        f.day: f.predicted
        for f in Forecast.objects.using(reporting_db()).filter(day__gte=days[0], horizon=1).order_by("issued_on")
    }
    latest = {f.day: f.predicted for f in selectors.upcoming_forecasts(today, 15)}
    labels = days + upcoming
    out.append(
        Card(
            title=_("Visitors per day: forecast (a day ahead) and actual"),
            chart_type="line",
            labels=[d.strftime("%m-%d") for d in labels],
            datasets=[
                {"name": _("Actual"), "values": [actual.get(d, 0) for d in days] + [0] * len(upcoming)},
                {"name": _("Forecast"), "values": [issued.get(d, latest.get(d, 0)) for d in labels]},
            ],
            colors=["#10b981", "#8b5cf6"],
            order=41,
            width="full",
            link="/admin/flow/forecast/",
        )
    )
    return out
