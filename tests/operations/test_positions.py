"""Positions of crew and vehicles, nearest available crew, dispatch calls and their answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from scenic_ops.core import apikeys
from scenic_ops.operations.errors import OpsError
from scenic_ops.operations.models import DispatchCall, PositionFix, Tracker
from scenic_ops.operations.services import crew_calls, positions, repairs
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.models import Notification

pytestmark = pytest.mark.django_db

TICKET_AT = (31.2330, 120.4170)  # cableway lower station


def test_a_gps_tracker_sends_fixes_with_its_key_and_resends_safely(make_asset):
    boat = make_asset("boat", name="游船1号")
    issued = apikeys.issue("boat 1", kind="device", scopes=["ops:position"])
    Tracker.objects.create(code="boat-1", name="游船1号", kind="boat", asset=boat, api_key=issued.key)
    now = timezone.now()
    fixes = [
        {"at": (now - dt.timedelta(seconds=60)).isoformat(), "latitude": 31.2275, "longitude": 120.4160, "speed": 6.5},
        {"at": (now - dt.timedelta(seconds=30)).isoformat(), "latitude": 31.2280, "longitude": 120.4170},
    ]
    client = Client()
    url = "/api/v1/operations/positions"
    first = client.post(
        url, {"tracker": "boat-1", "fixes": fixes}, content_type="application/json", HTTP_X_API_KEY=issued.secret
    )
    assert first.status_code == 200 and first.json()["accepted"] == 2
    again = client.post(
        url, {"tracker": "boat-1", "fixes": fixes}, content_type="application/json", HTTP_X_API_KEY=issued.secret
    )
    assert again.json() == {"accepted": 0, "duplicates": 2}
    tracker = Tracker.objects.get(code="boat-1")
    assert float(tracker.last_latitude) == 31.228
    # A late fix completes the track but does not move the last known position
    late = [{"at": (now - dt.timedelta(minutes=5)).isoformat(), "latitude": 31.2, "longitude": 120.4}]
    client.post(
        url, {"tracker": "boat-1", "fixes": late}, content_type="application/json", HTTP_X_API_KEY=issued.secret
    )
    tracker.refresh_from_db()
    assert float(tracker.last_latitude) == 31.228 and PositionFix.objects.filter(tracker=tracker).count() == 3
    future = [{"at": (now + dt.timedelta(hours=1)).isoformat(), "latitude": 31.2, "longitude": 120.4}]
    bad = client.post(
        url, {"tracker": "boat-1", "fixes": future}, content_type="application/json", HTTP_X_API_KEY=issued.secret
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "ops_invalid_position")
    unknown = client.post(
        url, {"tracker": "nope", "fixes": fixes}, content_type="application/json", HTTP_X_API_KEY=issued.secret
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ops_unknown_tracker")
    assert PositionFix.objects.count() == 3


def test_nearest_available_crew_skips_busy_stale_and_off_duty(make_user, place_crew, make_asset):
    near = make_user("engineer", display_name="近")
    far = make_user("engineer", display_name="远", skills=["mechanical"])
    stale = make_user("engineer", display_name="旧位置")
    off = make_user("security", display_name="下班")
    busy = make_user("engineer", display_name="忙")
    clerk = make_user("ticket_clerk", display_name="票务")
    place_crew(near, 31.2335, 120.4172)  # ~60 m
    place_crew(far, 31.2400, 120.4175)  # ~780 m
    place_crew(stale, 31.2331, 120.4170, when=timezone.now() - dt.timedelta(hours=2))
    place_crew(off, 31.2330, 120.4171, on_duty=False)
    place_crew(busy, 31.2330, 120.4170)
    place_crew(clerk, 31.2330, 120.4170)
    dispatcher = make_user("dispatcher")
    job = repairs.report(title="在修", asset=make_asset("gate"), reported_by=dispatcher)
    workflow.apply(job, "accept", dispatcher)
    job.refresh_from_db()
    if job.assignee != busy:
        workflow.reassign(job, busy, dispatcher)
    repairs.crew_action(job, busy, "start", client_id="busy-start-01")

    found = crew_calls.nearest_crew(TICKET_AT)
    assert [c.user.display_name for c in found] == ["近", "远"]
    assert 30 < found[0].distance_m < 100 and 700 < found[1].distance_m < 850
    # With a skill, those who have it come first
    assert [c.user.display_name for c in crew_calls.nearest_crew(TICKET_AT, skill="mechanical")] == ["远", "近"]


def test_a_dispatch_call_notifies_and_an_accept_gives_the_ticket(make_user, place_crew, make_asset, zone):
    dispatcher = make_user("dispatcher")
    assigned = make_user("engineer", display_name="甲")
    caller_target = make_user("engineer", display_name="乙", phone="13905120009")
    place_crew(caller_target, 31.2335, 120.4172)
    gate = make_asset("gate", zone=zone("dz", lat=str(TICKET_AT[0]), lng=str(TICKET_AT[1])))
    ticket = repairs.report(title="闸机卡票", asset=gate, reported_by=dispatcher)
    workflow.apply(ticket, "accept", dispatcher)
    ticket.refresh_from_db()
    if ticket.assignee != assigned:
        workflow.reassign(ticket, assigned, dispatcher)

    call = crew_calls.call(caller_target, by=dispatcher, ticket=ticket)
    assert call.state == "calling" and 30 < call.distance_m < 100
    assert Notification.objects.filter(recipient=caller_target, event="dispatch_call").exists()
    with pytest.raises(OpsError) as error:
        crew_calls.answer(call, assigned, accept=True)
    assert error.value.code == "ops_call_not_yours"
    answered = crew_calls.answer(call, caller_target, accept=True, note="5分钟到")
    assert answered.state == "accepted" and answered.responded_at
    assert crew_calls.answer(call, caller_target, accept=True).state == "accepted"  # a retried answer
    ticket.refresh_from_db()
    assert ticket.assignee == caller_target
    assert Notification.objects.filter(recipient=dispatcher, event="dispatch_answer").exists()


def test_unanswered_calls_expire(make_user, make_asset):
    dispatcher = make_user("dispatcher")
    crew = make_user("security")
    ticket = repairs.report(title="路灯", asset=make_asset("lamp"), reported_by=dispatcher)
    call = crew_calls.call(crew, by=dispatcher, ticket=ticket)
    assert crew_calls.expire_calls(now=timezone.now() + dt.timedelta(minutes=11)) == 1
    call.refresh_from_db()
    with pytest.raises(OpsError) as error:
        crew_calls.answer(call, crew, accept=True)
    assert error.value.code == "ops_call_closed"
    clerk = make_user("ticket_clerk")
    with pytest.raises(OpsError) as error:
        crew_calls.call(clerk, by=dispatcher, ticket=ticket)
    assert error.value.code == "ops_not_crew"
    assert DispatchCall.objects.count() == 1


def test_map_and_nearest_apis_for_the_desk(make_user, place_crew, make_asset, zone):
    dispatcher = make_user("dispatcher")
    engineer = make_user("engineer")
    place_crew(engineer, 31.2335, 120.4172)
    gate = make_asset("gate", zone=zone("mz", lat=str(TICKET_AT[0]), lng=str(TICKET_AT[1])))
    ticket = repairs.report(title="闸机", asset=gate, reported_by=dispatcher)
    client = Client()
    client.force_login(dispatcher)
    data = client.get("/api/v1/operations/map").json()
    assert data["map"]["url"] and len(data["map"]["bounds"]) == 2
    assert [p["user"] for p in data["positions"]] == [engineer.pk]
    nearest = client.get(f"/api/v1/operations/dispatch/nearest?ticket={ticket.pk}").json()
    assert nearest["crew"][0]["user"] == engineer.pk
    created = client.post(
        "/api/v1/operations/dispatch/calls", {"user": engineer.pk, "ticket": ticket.pk}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["state"] == "calling"
    track = client.get(f"/api/v1/operations/positions/phone-{engineer.pk}/track").json()
    assert len(track["points"]) == 1
    clerk = make_user("ticket_clerk")
    client.force_login(clerk)
    assert client.get("/api/v1/operations/map").status_code == 403
    assert positions.phone_of(engineer).on_duty


def test_an_uploaded_park_map_is_served_to_signed_in_staff_only(make_user, db):
    """The desk's map page and the crew app showed an uploaded map from /media/, which is never served."""
    import io
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from PIL import Image

    from scenic_ops.operations import selectors
    from scenic_ops.operations.models import ParkMap

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(picture, format="PNG")
    park = ParkMap(
        name="云岫山导览图", south=Decimal("31.2"), west=Decimal("120.4"), north=Decimal("31.3"), east=Decimal("120.5")
    )
    park.image.save("yunxiu.png", ContentFile(picture.getvalue()), save=False)
    park.save()
    url = selectors.park_map()["url"]
    assert not url.startswith("/media/")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/crew/login/" in anonymous["Location"]
    crew = Client()
    crew.force_login(make_user("engineer"))
    shown = crew.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(shown.streaming_content))).size == (40, 30)
    ParkMap.objects.filter(pk=park.pk).update(active=False)
    assert crew.get(url).status_code == 404  # a map no longer in use is not served
