"""The domain's scheduled jobs are registered, and a count change queues a (coalesced) level check
that an RQ worker runs: levels follow the counts without anyone calling evaluate()."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scenic_ops.core import scheduling
from scenic_ops.flow.models import DailyFlow, DeviceReading, FlowCount, LevelState, PassageKey
from scenic_ops.flow.services import record_passages


def test_flow_jobs_are_registered():
    names = set(scheduling.registry())
    assert {
        "flow_levels",
        "flow_forecast",
        "flow_rollup",
        "flow_report_realtime",
        "flow_report_daily",
        "flow_purge",
        "flow_backtest",
    } <= names


@pytest.mark.django_db(transaction=True)
def test_a_count_change_queues_one_level_check_that_the_worker_runs(site, rq_worker):
    import django_rq

    for _ in range(30):
        record_passages(None, entries=30)  # 900 of 1,000: orange
    queued = django_rq.get_queue("high").count
    assert 1 <= queued <= 3  # coalesced: not one job per scan
    rq_worker("high")
    state = LevelState.objects.get(scope_key=0)
    assert state.level == 2


@pytest.mark.django_db
def test_rollup_and_purge_jobs(site):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    noon = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(12, 0)))
    record_passages(None, entries=300, exits=100, at=noon)
    record_passages(None, exits=150, at=noon + dt.timedelta(hours=2))
    scheduling.get("flow_rollup").func(now=timezone.now())
    day = DailyFlow.objects.get(day=yesterday)
    assert (day.entries, day.exits, day.peak_in_park, day.source) == (300, 250, 200, "counts")
    PassageKey.objects.create(key="old", created_at=timezone.now() - dt.timedelta(days=5))
    result = scheduling.get("flow_purge").func(now=timezone.now())
    assert result.startswith("keys=1") and not PassageKey.objects.exists()
    assert FlowCount.objects.exists() and not DeviceReading.objects.exists()
