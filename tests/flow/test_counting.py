"""Counts from gates and from device pushes give the right in-park, zone, parking and queue figures,
including late, duplicated and corrected pushes; bad input never corrupts a count."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from scenic_ops.flow import selectors
from scenic_ops.flow.errors import FlowError
from scenic_ops.flow.models import DeviceReading, FlowCount
from scenic_ops.flow.services import record_passages
from tests.flow.conftest import minutes_ago, present

pytestmark = pytest.mark.django_db


# --- gates ---------------------------------------------------------------------------------


def test_gate_passages_give_in_park_and_zone_counts(site):
    now = timezone.now()
    assert record_passages(None, entries=120, at=now)
    assert record_passages(None, exits=20, at=now)
    assert record_passages("summit", entries=30, exits=5, at=now, source="gate:summit-1")
    assert present() == 100
    assert present("summit") == 25
    assert present("temple") == 0
    status = selectors.compute_status()
    assert status["in_park"] == 100 and status["entries_today"] == 120 and status["exits_today"] == 20
    summit = next(z for z in status["zones"] if z["code"] == "summit")
    assert summit["count"] == 25 and summit["percent"] == 25.0
    assert status["hourly"]["entries"][timezone.localtime(now).hour] == 120


def test_a_retried_gate_call_with_its_key_counts_once(site):
    now = timezone.now()
    assert record_passages(None, entries=1, at=now, dedupe_key="scan:42")
    assert not record_passages(None, entries=1, at=now, dedupe_key="scan:42")
    assert record_passages(None, entries=1, at=now, dedupe_key="scan:43")
    assert present() == 2


def test_a_late_gate_call_lands_in_the_hour_it_happened(site):
    now = timezone.now()
    yesterday_evening = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now) - dt.timedelta(days=1), dt.time(17, 20))
    )
    record_passages(None, entries=7, at=yesterday_evening)
    assert present() == 0  # not today's
    row = FlowCount.objects.get(day=timezone.localdate(yesterday_evening))
    assert (row.hour, row.entries) == (17, 7)


def test_vehicles_through_a_car_park_gate_move_its_occupancy(site):
    record_passages("parking-p1", entries=12, exits=2)
    lot = site["lots"]["p1"]
    lot.refresh_from_db()
    assert (lot.vehicles, lot.free) == (10, 40)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ({"entries": -1}, "negative_count"),
        ({"exits": -5}, "negative_count"),
        ({"entries": 1.5}, "invalid_count"),
        ({"entries": True}, "invalid_count"),
        ({"entries": 10**7}, "implausible_count"),
        ({"entries": 1, "at": "future"}, "future_timestamp"),
        ({"entries": 1, "at": "naive"}, "invalid_timestamp"),
        ({"entries": 1, "at": "ancient"}, "reading_too_old"),
        ({"entries": 1, "zone": "nowhere"}, "unknown_zone"),
        ({"entries": 1, "dedupe_key": "x" * 191}, "invalid_dedupe_key"),
    ],
)
def test_bad_gate_input_is_refused_with_a_code_and_counts_nothing(site, call, code):
    record_passages(None, entries=5)
    now = timezone.now()
    at = {
        "future": now + dt.timedelta(minutes=10),
        "naive": dt.datetime(2026, 5, 1, 9, 0),
        "ancient": now - dt.timedelta(days=3),
    }.get(call.pop("at", None))
    zone = call.pop("zone", None)
    with pytest.raises(FlowError) as raised:
        record_passages(zone, at=at, **call)
    assert raised.value.code == code
    assert raised.value.detail and "{" not in raised.value.detail
    assert present() == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_gates_lose_no_passage(site):
    """Twelve lanes scanning at once, each in its own transaction and connection."""
    errors = []

    def lane(number: int) -> None:
        try:
            for scan in range(25):
                record_passages(None, entries=1, dedupe_key=f"lane{number}:scan{scan}")
                record_passages("summit", entries=1)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=lane, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert present() == 300
    assert present("summit") == 300
    assert FlowCount.objects.filter(zone_key=0).count() > 1  # spread over shards


# --- devices -------------------------------------------------------------------------------


def test_counter_pushes_with_late_and_duplicated_intervals(site, make_device, push):
    device, secret = make_device("people", zone="summit")
    first = [
        {"start": minutes_ago(3), "seconds": 60, "entries": 10, "exits": 2},
        {"start": minutes_ago(2), "seconds": 60, "entries": 8, "exits": 1},
    ]
    response = push(secret, device.code, first)
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 2, "duplicates": 0, "corrected": 0, "stale": 0}
    assert present("summit") == 15

    # The device did not hear the answer and sends the same push again: nothing changes.
    again = push(secret, device.code, first)
    assert again.json() == {"accepted": 0, "duplicates": 2, "corrected": 0, "stale": 0}
    assert present("summit") == 15

    # A late push (an interval from earlier today, after the device was offline) still counts, in its own hour.
    now = timezone.localtime()
    late_at = (now - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    if late_at.date() != now.date():  # just after midnight: the earliest minute of today is late enough
        late_at = now.replace(hour=0, minute=1, second=0, microsecond=0)
    if now - late_at >= dt.timedelta(minutes=10):
        late = push(secret, device.code, [{"start": late_at.isoformat(), "seconds": 60, "entries": 6, "exits": 0}])
        assert late.json()["accepted"] == 1
        assert present("summit") == 21
        summit = FlowCount.objects.filter(zone_key=device.zone_id, hour=late_at.hour)
        assert sum(r.entries for r in summit) >= 6

    # A corrected interval: the device recounted 09:xx and sends 12 instead of 10.
    corrected = push(secret, device.code, [{"start": first[0]["start"], "seconds": 60, "entries": 12, "exits": 2}])
    assert corrected.json()["corrected"] == 1
    assert DeviceReading.objects.get(device=device, start=first[0]["start"]).revision == 2
    assert present("summit") in (17, 23)
    assert present() == 0  # a spot counter does not move the site's in-park count
    device.refresh_from_db()
    assert device.last_seen_at is not None and device.accepted_count >= 3


def test_a_device_without_zone_counts_the_whole_site(site, make_device, push):
    device, secret = make_device("video", code="video-main")
    push(secret, device.code, [{"start": minutes_ago(1), "entries": 40, "exits": 10}])
    assert present() == 30


def test_car_park_barrier_counts_and_space_sensor_readings(site, make_device, push):
    barrier, barrier_key = make_device("barrier", zone="parking-p1")
    sensor, sensor_key = make_device("parking", zone="parking-p2")
    push(barrier_key, barrier.code, [{"start": minutes_ago(2), "seconds": 60, "entries": 9, "exits": 1}])
    push(sensor_key, sensor.code, [{"at": minutes_ago(1), "free": 15}])
    older = push(sensor_key, sensor.code, [{"at": minutes_ago(5), "free": 30}])
    assert older.json()["stale"] == 1  # an older reading arriving late does not overwrite a newer one
    status = selectors.compute_status()
    lots = {p["code"]: p for p in status["parking"]}
    assert (lots["parking-p1"]["occupied"], lots["parking-p1"]["free"]) == (8, 42)
    assert (lots["parking-p2"]["occupied"], lots["parking-p2"]["free"]) == (25, 15)
    # A barrier's absolute reading resets the count; later counts move it again.
    push(barrier_key, barrier.code, [{"at": minutes_ago(1), "free": 45}])
    push(barrier_key, barrier.code, [{"start": minutes_ago(0.5), "seconds": 30, "entries": 3}])
    site["lots"]["p1"].refresh_from_db()
    assert site["lots"]["p1"].vehicles == 8


def test_queue_length_becomes_a_waiting_time_and_staff_can_override(site, make_device, push):
    from scenic_ops.flow.services import set_wait

    device, secret = make_device("queue", code="queue-cableway", queue=site["queue"])
    push(secret, device.code, [{"at": minutes_ago(1), "length": 90}])
    waits = {w["code"]: w for w in selectors.compute_status()["waits"]}
    assert waits["cableway"]["minutes"] == 23  # 90 people at 4 a minute, rounded up
    assert waits["cableway"]["length"] == 90
    set_wait(site["queue"], 40)
    waits = {w["code"]: w for w in selectors.compute_status()["waits"]}
    assert (waits["cableway"]["minutes"], waits["cableway"]["source"]) == (40, "manual")


# --- bad device input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "code"),
    [
        ({"start": "NOW", "seconds": 60, "entries": -3, "exits": 0}, "negative_count"),
        ({"start": "NOW", "seconds": 60, "entries": 2, "exits": -1}, "negative_count"),
        ({"start": "FUTURE", "seconds": 60, "entries": 2}, "future_timestamp"),
        ({"start": "2026-05-01T09:00:00", "seconds": 60, "entries": 2}, "invalid_timestamp"),
        ({"start": "yesterday", "seconds": 60, "entries": 2}, "invalid_timestamp"),
        ({"start": "OLD", "seconds": 60, "entries": 2}, "reading_too_old"),
        ({"start": "NOW", "seconds": 0, "entries": 2}, "invalid_interval"),
        ({"start": "NOW", "seconds": 60, "entries": "12"}, "invalid_count"),
        ({"start": "NOW", "seconds": 60, "entries": 99999}, "implausible_count"),
        ({"at": "NOW", "free": 3}, "wrong_reading_kind"),
    ],
)
def test_bad_readings_are_refused_and_change_nothing(site, make_device, push, reading, code):
    device, secret = make_device("people", zone="summit")
    push(secret, device.code, [{"start": minutes_ago(5), "seconds": 60, "entries": 4}])
    now = timezone.now()
    stamps = {
        "NOW": minutes_ago(1),
        "FUTURE": timezone.localtime(now + dt.timedelta(minutes=30)).isoformat(),
        "OLD": timezone.localtime(now - dt.timedelta(days=3)).isoformat(),
    }
    for key in ("start", "at"):
        if key in reading:
            reading[key] = stamps.get(reading[key], reading[key])
    good = {"start": minutes_ago(2), "seconds": 60, "entries": 5}
    response = push(secret, device.code, [good, reading])
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert body["context"]["rows"][0]["index"] == 1  # the bad row is named
    assert present("summit") == 4  # the good row in the same push was not applied either
    assert DeviceReading.objects.filter(device=device).count() == 1
    device.refresh_from_db()
    assert device.rejected_count == 1 and device.last_error.startswith(code)


def test_unknown_device_wrong_key_missing_key_and_garbage(site, make_device, push, client):
    summit, summit_key = make_device("people", zone="summit")
    temple, temple_key = make_device("people", zone="temple")
    reading = [{"start": minutes_ago(1), "entries": 3}]
    unknown = push(summit_key, "no-such-device", reading)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_device")
    stolen = push(temple_key, summit.code, reading)
    assert (stolen.status_code, stolen.json()["code"]) == (403, "device_key_mismatch")
    anonymous = push(None, summit.code, reading)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    forged = push("sk_000000000000_forged", summit.code, reading)
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid_api_key")
    empty = push(summit_key, summit.code, [])
    assert (empty.status_code, empty.json()["code"]) == (400, "no_readings")
    twice = push(summit_key, summit.code, [reading[0], {**reading[0], "entries": 4}])
    assert (twice.status_code, twice.json()["code"]) == (400, "conflicting_readings")
    garbage = client.post(
        "/api/v1/flow/devices/push", data="{not json", content_type="application/json", HTTP_X_API_KEY=summit_key
    )
    assert (garbage.status_code, garbage.json()["code"]) == (400, "malformed_json")
    summit.active = False
    summit.save()
    off = push(summit_key, summit.code, reading)
    assert (off.status_code, off.json()["code"]) == (403, "device_inactive")
    assert present("summit") == 0 and present("temple") == 0
