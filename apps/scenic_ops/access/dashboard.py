"""Desk cards of the gates domain: people in the park, entries today, refusals by reason, lanes online."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards


@cards(permission="access.view_scan")
def gate_cards(request, now: dt.datetime) -> list[Card]:
    from scenic_ops.access import selectors

    figures = selectors.today_figures(now)
    site = figures["site"]
    out = []
    if not request.user.has_perm("flow.view_levelchange"):  # otherwise the visitor-flow card shows it
        out.append(
            Card(
                title=_("In the park now"),
                kind="number",
                value=f"{site['present']:,}",
                hint=_("entries − exits at the gates today, with corrections"),
                order=6,
                width="third",
                link="/admin/access/gate/panel/",
            )
        )
    out += [
        Card(
            title=_("Entries today"),
            kind="number",
            value=f"{site['entries']:,}",
            hint=_("{exits} exits; {online} of {devices} gate devices online").format(
                exits=site["exits"], online=figures["devices_online"], devices=figures["devices"]
            ),
            order=7,
            width="third",
            link="/admin/access/gate/report/",
        ),
        Card(
            title=_("Open offline conflicts"),
            kind="number",
            value=str(figures["open_conflicts"]),
            hint=_("duplicates and invalid tickets let in while a gate was offline"),
            order=8,
            width="third",
            link="/admin/access/conflict/?status__exact=open",
        ),
    ]
    refusals = figures["refusals"][:8]
    out.append(
        Card(
            title=_("Refusals at the gates today, by reason"),
            chart_type="bar",
            labels=[label for label, _n in refusals] or [_("none")],
            datasets=[{"name": _("Scans refused"), "values": [n for _label, n in refusals] or [0]}],
            colors=["#ef4444"],
            order=42,
            link="/admin/access/scan/?outcome__exact=denied",
        )
    )
    return out
