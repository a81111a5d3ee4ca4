"""Scheduled jobs of the service domain."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scenic_ops.core.scheduling import scheduled


@scheduled("service_opinion_spikes", cron="*/5 * * * *", description="Negative public-opinion spike rules")
def opinion_spikes_task(now: dt.datetime | None = None) -> str:
    from scenic_ops.service import opinion

    return f"{len(opinion.check_spikes(now=now))} alerts raised"


@scheduled("service_incident_tasks", cron="*/2 * * * *", description="Remind about overdue emergency tasks")
def incident_tasks_task(now: dt.datetime | None = None) -> str:
    from scenic_ops.service import incident_work

    return f"{incident_work.remind_overdue(now=now)} overdue tasks reported"


@scheduled("service_energy_daily", cron="20 0 * * *", description="Yesterday's energy use per meter, with anomalies")
def energy_daily_task(now: dt.datetime | None = None) -> str:
    from scenic_ops.service import dispatch

    now = now or timezone.now()
    day = timezone.localdate(now) - dt.timedelta(days=1)
    return f"{dispatch.compute_day(day, now=now)} meters on {day}"


@scheduled("service_low_stock", cron="*/30 * * * *", description="Low-stock alerts for every material")
def low_stock_task(now: dt.datetime | None = None) -> str:
    from scenic_ops.service import dispatch
    from scenic_ops.service.models import Material

    low = sum(1 for m in Material.objects.filter(active=True) if dispatch.check_low_stock(m, now=now) is not None)
    return f"{low} materials low"
