"""Desk home cards: today's bookings, sold vs capacity, revenue by channel."""

from __future__ import annotations

from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards
from scenic_ops.ticketing import selectors
from scenic_ops.ticketing.models import Channel


@cards(permission="ticketing.view_order")
def ticketing_cards(request, now) -> list[Card]:
    summary = selectors.today_summary(now)
    capacity = summary["capacity_today"]
    sold = summary["sold_today"]
    revenue = summary["revenue_by_channel"]
    labels = dict(Channel.choices)
    return [
        Card(
            title=_("Bookings today"),
            kind="number",
            value=str(summary["orders_today"]),
            hint=_("%(n)s confirmed") % {"n": summary["confirmed_today"]},
            order=5,
            width="third",
            link="/admin/ticketing/order/",
        ),
        Card(
            title=_("Visitors booked for today"),
            kind="number",
            value=f"{sold} / {capacity}",
            hint=_("%(pct)s%% of today's capacity") % {"pct": round(100 * sold / capacity) if capacity else 0},
            order=6,
            width="third",
            link="/admin/ticketing/order/calendar/",
        ),
        Card(
            title=_("Revenue today by channel (CNY)"),
            chart_type="bar",
            labels=[str(labels.get(c, c)) for c in revenue],
            datasets=[{"name": _("Revenue"), "values": [float(v) for v in revenue.values()]}],
            order=7,
            width="third",
            link="/admin/ticketing/order/report/",
        ),
    ]
