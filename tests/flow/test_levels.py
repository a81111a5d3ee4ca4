"""Warning levels: thresholds (LB/T 068-2017 defaults), hysteresis, hold time, and the actions on
entering a level — banner, staff notification, SMS broadcast, and a sales halt at the chosen level
(red by default: a red level stops sales, a yellow does not), resumed when the level drops."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from scenic_ops.core.models import OutboxMessage
from scenic_ops.flow import selectors
from scenic_ops.flow.models import LevelChange, LevelState, SalesHalt
from scenic_ops.flow.services import evaluate, halt_sales, record_passages
from scenic_ops.flow.services.levels import next_level, site_policy

pytestmark = pytest.mark.django_db
T = (80, 90, 95)


@pytest.mark.parametrize(
    ("current", "load", "held", "expected"),
    [
        (0, 79.9, 999, 0),
        (0, 80.0, 999, 1),
        (0, 96.0, 999, 3),  # straight to red
        (1, 91.0, 0, 2),  # rising ignores the hold time
        (1, 78.0, 999, 1),  # within the 5-point band below 80: stays yellow
        (1, 74.9, 999, 0),
        (1, 74.9, 60, 1),  # held only 60 of 120 seconds: stays
        (3, 92.0, 999, 3),  # 95 - 5 = 90: stays red
        (3, 89.0, 999, 2),
        (3, 84.0, 999, 1),
        (3, 10.0, 999, 0),
        (2, 86.0, 999, 2),
    ],
)
def test_next_level_rises_at_once_and_falls_with_hysteresis(current, load, held, expected):
    assert next_level(current, load, T, 5, held_seconds=held, min_hold_seconds=120) == expected


def _at(t0, seconds):
    return t0 + dt.timedelta(seconds=seconds)


def test_crossing_thresholds_raises_levels_and_triggers_actions(site, make_user):
    from scenic_ops.workflow.models import Notification

    manager = make_user("manager")
    make_user("ticket_clerk")  # not in the notified roles
    policy = site_policy()
    policy.sms_recipients = "13905120901\n13905120902"
    policy.save()
    t0 = timezone.now() - dt.timedelta(minutes=10)
    today = timezone.localdate()

    record_passages(None, entries=810, at=t0)
    [change] = evaluate(now=t0)
    assert (change.from_level, change.to_level) == (0, 1)
    assert "810" in change.cause and "80" in change.cause
    assert "banner_published" in change.actions and "sales_stopped" not in change.actions
    assert not selectors.sales_halted(today)  # yellow does not stop sales (default: red)
    assert Notification.objects.filter(recipient=manager).count() == 1
    assert not OutboxMessage.objects.filter(channel="sms").exists()  # SMS from orange
    status = selectors.compute_status(now=t0)
    assert status["level"]["code"] == "yellow" and status["banner"]["level"] == "yellow"
    assert "81" in status["banner"]["zh"] and "busy" in status["banner"]["en"]

    record_passages(None, entries=150, at=_at(t0, 10))  # 960 of 1,000
    [change] = evaluate(now=_at(t0, 10))
    assert (change.from_level, change.to_level) == (1, 3)
    assert "sales_stopped" in change.actions and "sms:2" in change.actions
    assert selectors.sales_halted(today)
    halt = SalesHalt.objects.get(day=today)
    assert (halt.source, halt.level_change) == ("level", change)
    assert OutboxMessage.objects.filter(channel="sms").count() == 2
    assert "Ticket sales for today are stopped." in selectors.compute_status()["banner"]["en"]

    record_passages(None, exits=40, at=_at(t0, 20))  # 92 %: within the hysteresis band
    assert evaluate(now=_at(t0, 300)) == []
    assert selectors.sales_halted(today)

    record_passages(None, exits=25, at=_at(t0, 310))  # 89.5 %: below 90
    [change] = evaluate(now=_at(t0, 320))
    assert (change.from_level, change.to_level) == (3, 2)
    assert "sales_resumed" in change.actions
    assert "90" in change.cause
    assert not selectors.sales_halted(today)
    assert LevelChange.objects.count() == 3
    state = LevelState.objects.get(scope_key=0)
    assert (state.level, float(state.load_percent)) == (2, 89.5)


def test_a_load_hovering_at_a_threshold_does_not_flap(site):
    t0 = timezone.now() - dt.timedelta(hours=1)
    record_passages(None, entries=810, at=t0)
    evaluate(now=t0)
    for step in range(1, 9):  # 81 % → 79 % → 81 % … every five minutes
        if step % 2:
            record_passages(None, exits=20, at=_at(t0, step * 300))
        else:
            record_passages(None, entries=20, at=_at(t0, step * 300))
        evaluate(now=_at(t0, step * 300))
    assert LevelChange.objects.count() == 1  # only the first rise
    record_passages(None, exits=80, at=_at(t0, 3000))  # 73 %
    [change] = evaluate(now=_at(t0, 3000))
    assert change.to_level == 0 and "banner_removed" in change.actions


def test_the_operator_chooses_the_level_that_stops_sales(site):
    policy = site_policy()
    policy.stop_sales_level = 1  # LB/T 034-2014: stop selling at 80 %
    policy.save()
    t0 = timezone.now() - dt.timedelta(minutes=5)
    record_passages(None, entries=820, at=t0)
    [change] = evaluate(now=t0)
    assert change.to_level == 1 and "sales_stopped" in change.actions
    assert selectors.sales_halted()


def test_an_operators_halt_is_not_lifted_by_a_falling_level(site):
    t0 = timezone.now() - dt.timedelta(minutes=30)
    record_passages(None, entries=960, at=t0)
    evaluate(now=t0)
    assert selectors.sales_halted()
    SalesHalt.objects.all().delete()
    halt_sales(timezone.localdate(), reason="storm warning")  # the operator's own halt
    record_passages(None, exits=600, at=_at(t0, 600))
    [change] = evaluate(now=_at(t0, 600))
    assert change.to_level == 0 and "sales_resumed" not in change.actions
    assert selectors.sales_halted()


def test_key_spot_levels_use_the_spot_capacity_and_never_stop_sales(site):
    record_passages("summit", entries=97)
    changes = evaluate()
    [spot] = [c for c in changes if c.zone_id]
    assert spot.zone.code == "summit" and spot.to_level == 3
    assert not selectors.sales_halted()
    status = selectors.compute_status()
    assert status["level"]["code"] == "normal"
    assert [z["level"] for z in status["zones"] if z["code"] == "summit"] == ["red"]
    assert any(a["kind"] == "zone_level" and "主峰" in a["zh"] and "Main Peak" in a["en"] for a in status["alerts"])


def test_entries_against_the_daily_capacity_also_count(site):
    t0 = timezone.now() - dt.timedelta(minutes=5)
    record_passages(None, entries=2500, exits=2200, at=t0)  # 300 inside, but 2,500 of 3,000 a day
    [change] = evaluate(now=t0)
    assert change.to_level == 1 and "2500" in change.cause


def test_another_process_sees_a_halt_within_a_second(site):
    """Ticketing (which sells) remembers the answer for a second per process; the one that halts sees it at once."""
    from scenic_ops.ticketing import halts

    day = timezone.localdate()
    assert not selectors.sales_halted(day)
    halt_sales(day, reason="storm warning")
    assert selectors.sales_halted(day)  # this process: at once
    halts._local[day] = (time.monotonic() + halts.LOCAL_SECONDS, False)  # another process's memory
    assert not selectors.sales_halted(day)
    halts._local[day] = (time.monotonic() - 0.001, False)  # a second later it asks Redis again
    assert selectors.sales_halted(day)
