"""Daily history: roll a finished day's hourly counts up into DailyFlow (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from scenic_ops.flow.models import DailyFlow, FlowCount, SalesHalt
from scenic_ops.flow.models.counts import SITE_KEY


def roll_up(day: dt.date) -> DailyFlow:
    from scenic_ops.flow.services.forecasts import booked_per_day

    hours = dict.fromkeys(range(24), (0, 0))
    rows = (
        FlowCount.objects.filter(day=day, zone_key=SITE_KEY)
        .values_list("hour")
        .annotate(e=Sum("entries"), x=Sum("exits"))
        .order_by()
    )
    for hour, entries, exits in rows:
        hours[hour] = (entries or 0, exits or 0)
    present = peak = 0
    for hour in range(24):
        present += hours[hour][0] - hours[hour][1]
        peak = max(peak, present)
    entries = max(0, sum(e for e, _ in hours.values()))
    exits = max(0, sum(x for _, x in hours.values()))
    existing = DailyFlow.objects.filter(day=day).first()
    if existing is not None and existing.source != DailyFlow.Source.COUNTS and not entries:
        return existing  # imported or demo history without counts: keep it
    booked = booked_per_day(day, day).get(day)
    record, _ = DailyFlow.objects.update_or_create(
        day=day,
        defaults={
            "entries": entries,
            "exits": exits,
            "peak_in_park": peak,
            "booked": booked if booked is not None else (existing.booked if existing else None),
            "capped": SalesHalt.objects.filter(day=day, since__isnull=False).exists(),
            "source": DailyFlow.Source.COUNTS,
        },
    )
    return record
