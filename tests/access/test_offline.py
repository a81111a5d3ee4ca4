"""Offline mode: the signed whitelist (full and delta) and the reconciliation of uploaded scans."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.access.conftest import at, counts, in_park, post_json, valid_id

pytestmark = pytest.mark.django_db


def _verify(document):
    from scenic_ops.access import offline
    from scenic_ops.ticketing import tokens

    return offline.verify(document, tokens.public_key_b64())


def test_whitelist_is_signed_and_verifiable_with_the_public_key_only(site):
    from cryptography.exceptions import InvalidSignature

    from scenic_ops.access import offline, services

    number = valid_id(21)
    ticket = site.book(hour=10, id_number=number, category="student")
    cable = site.book("cable", hour=10)
    info, _ = site.device("s-in-1")
    services.bind_credential("face", "FM-321", consent=True, id_number=number, source="booking")
    document = services.whitelist(info, timezone.localdate(), now=at(9))
    data = _verify(document)
    assert data["gate"] == "south" and data["full"] is True
    entries = {e["c"]: e for e in data["entries"]}
    assert ticket.code in entries and cable.code not in entries  # the cableway ticket is not for this gate
    entry = entries[ticket.code]
    assert (entry["p"], entry["k"], entry["s"], entry["u"], entry["d"]) == ("entry", "student", "10:00", 1, "学生证")
    key = offline._b64d(data["id_key"])
    assert entry["i"] == offline.offline_hash(key, "id", number)  # a gate can check an ID card offline
    assert entry["b"] == [offline.offline_hash(key, "face", "FM-321")]  # and a bound face-match id
    assert number not in document["payload"] and "FM-321" not in document["payload"]
    other_gate, _ = site.device("c-in")
    other = _verify(services.whitelist(other_gate, timezone.localdate(), now=at(9)))
    assert other["id_key"] != data["id_key"]  # keys differ per gate (and per day)
    assert data["rules"]["entry-re"]["reentry"] == "same_day"
    tampered = dict(document, payload=document["payload"].replace('"u":1', '"u":9', 1))
    with pytest.raises(InvalidSignature):
        _verify(tampered)


def test_whitelist_delta_lists_new_used_and_refunded_tickets(site):
    from scenic_ops.access import services
    from scenic_ops.ticketing.models import Order
    from scenic_ops.ticketing.services import refund_tickets

    info, _ = site.device("s-in-1")
    kept = site.book(hour=10, booked_at=at(0) - dt.timedelta(hours=3))
    doomed = site.book(hour=11, booked_at=at(0) - dt.timedelta(hours=3))
    full = _verify(services.whitelist(info, timezone.localdate(), now=at(8)))
    assert {kept.code, doomed.code} <= {e["c"] for e in full["entries"]}
    fresh = site.book(hour=12, booked_at=at(8, 30))
    refund_tickets(Order.objects.get(tickets__id=doomed.id), [doomed.code], reason="t", force=True, now=at(8, 40))
    site.scan("s-in-1", kept.token, now=at(9, 45))
    delta = _verify(services.whitelist(info, timezone.localdate(), since=full["version"], now=at(10)))
    assert delta["full"] is False and delta["since"] == full["version"]
    changed = {e["c"]: e for e in delta["entries"]}
    assert set(changed) == {fresh.code, kept.code}
    assert changed[kept.code]["u"] == 0
    assert delta["removed"] == [doomed.code]


def test_whitelist_bad_requests(site, client):
    info, key = site.device("s-in-1")
    assert client.get("/api/v1/access/whitelist", HTTP_X_API_KEY=key).status_code == 200
    bad_date = client.get("/api/v1/access/whitelist?date=2001-01-01", HTTP_X_API_KEY=key)
    assert bad_date.status_code == 400 and bad_date.json()["code"] == "invalid_date"
    bad_version = client.get("/api/v1/access/whitelist?since=abc", HTTP_X_API_KEY=key)
    assert bad_version.json()["code"] == "invalid_version"
    assert client.get("/api/v1/access/whitelist").status_code == 401


def _row(ident: str, when: dt.datetime, value: str, *, result: str = "admitted", **extra):
    return {"id": ident, "at": when.isoformat(), "type": "qr", "value": value, "result": result, **extra}


def test_offline_duplicate_is_flagged_first_admission_wins_and_counts_are_right(site):
    from scenic_ops.access import services
    from scenic_ops.access.models import Conflict, Scan
    from scenic_ops.ticketing.models import Ticket

    shared = site.book(hour=10)  # shown at an online lane and, later, at the offline lane
    early = site.book(hour=10)  # admitted offline *before* another lane admitted it online
    fresh = site.book(hour=10)  # only ever seen offline
    assert site.scan("s-in-1", shared.token, now=at(10, 5)).admit
    assert site.scan("s-in-1", early.token, now=at(10, 30)).admit
    offline_lane, _ = site.device("s-in-2")
    report = services.upload_offline(
        offline_lane,
        "batch-1",
        [
            _row("o-1", at(10, 20), shared.token),
            _row("o-2", at(10, 10), fresh.token),
            _row("o-3", at(10, 0), early.token),
            _row("o-4", at(10, 25), "SO1.garbage", result="denied", reason="malformed"),
        ],
        now=at(11),
    )
    assert (report["admitted"], report["duplicates"], report["conflicts"], report["rejected"]) == (2, 1, 2, [])
    outcome = {r["id"]: r["outcome"] for r in report["results"]}
    assert outcome == {"o-1": "duplicate", "o-2": "admitted", "o-3": "admitted", "o-4": "denied"}
    # shared: one admission (online, 10:05), the offline one flagged as a duplicate
    assert Scan.objects.filter(ticket_id=shared.id, outcome="admitted").count() == 1
    dup = Scan.objects.get(ticket_id=shared.id, outcome="duplicate")
    conflict = Conflict.objects.get(scan=dup)
    assert conflict.status == "open" and conflict.first_scan.at == at(10, 5)
    # early: the offline admission at 10:00 came first; the online one at 10:30 is the flagged one
    online = Scan.objects.get(ticket_id=early.id, offline=False)
    assert Conflict.objects.get(scan=online).first_scan.device_scan_id == "o-3"
    # counts follow admissions: shared 1, early 1, fresh 1 (offline, in its own hour)
    assert counts()["entries"] == 3 and in_park() == 3
    assert Ticket.objects.get(pk=fresh.id).used_count == 1
    assert Scan.objects.get(device_scan_id="o-2").counted


def test_offline_upload_with_garbage_rows_reports_each_and_applies_the_rest_once(site, client):
    from scenic_ops.access.models import OfflineUpload, Scan

    ticket = site.book(hour=timezone.localtime().hour)
    _info, key = site.device("s-in-2")
    now = timezone.now()
    rows = [
        _row("ok-1", now - dt.timedelta(minutes=3), ticket.token),
        "not an object",
        {"id": "no-time", "type": "qr", "value": ticket.token, "result": "admitted"},
        _row("future", now + dt.timedelta(hours=2), ticket.token),
        _row("old", now - dt.timedelta(days=30), ticket.token),
        {**_row("bad-type", now, ticket.token), "type": "iris"},
        {**_row("bad-result", now, ticket.token), "result": "maybe"},
        _row("ok-1", now, ticket.token),
    ]
    first = post_json(client, "/api/v1/access/offline-uploads", {"batch": "b-7", "rows": rows}, key=key)
    assert first.status_code == 200, first.content
    report = first.json()
    codes = {r["row"]: r["code"] for r in report["rejected"]}
    assert codes == {
        1: "not_an_object",
        2: "invalid_time",
        3: "future_time",
        4: "too_old",
        5: "invalid_type",
        6: "invalid_result",
        7: "duplicate_row",
    }
    assert report["admitted"] == 1 and counts()["entries"] == 1
    again = post_json(client, "/api/v1/access/offline-uploads", {"batch": "b-7", "rows": rows}, key=key).json()
    assert again["replayed"] is True and again["admitted"] == 1
    assert Scan.objects.filter(device_scan_id="ok-1").count() == 1 and counts()["entries"] == 1
    reused = post_json(client, "/api/v1/access/offline-uploads", {"batch": "b-7", "rows": rows[:1]}, key=key)
    assert reused.status_code == 409 and reused.json()["code"] == "batch_reused"
    empty = post_json(client, "/api/v1/access/offline-uploads", {"batch": "b-8", "rows": []}, key=key)
    assert empty.status_code == 400 and empty.json()["code"] == "upload_empty"
    assert OfflineUpload.objects.count() == 1


def test_an_upload_that_fails_midway_leaves_nothing_behind(site, monkeypatch):
    from scenic_ops.access import decision, services
    from scenic_ops.access.models import OfflineUpload, Scan
    from scenic_ops.ticketing.models import Ticket

    tickets = [site.book(hour=10) for _ in range(3)]
    info, _ = site.device("s-in-2")
    real = decision.count
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(decision, "count", failing)
    rows = [_row(f"r{i}", at(10, i), t.token) for i, t in enumerate(tickets)]
    with pytest.raises(RuntimeError):
        services.upload_offline(info, "b-9", rows, now=at(11))
    assert not Scan.objects.exists() and not OfflineUpload.objects.exists()
    assert not Ticket.objects.filter(used_count__gt=0).exists() and counts()["entries"] == 0
    monkeypatch.setattr(decision, "count", real)
    assert services.upload_offline(info, "b-9", rows, now=at(11))["admitted"] == 3


def test_offline_ticket_no_longer_valid_is_flagged(site):
    from scenic_ops.access import services
    from scenic_ops.access.models import Conflict
    from scenic_ops.ticketing.models import Order
    from scenic_ops.ticketing.services import refund_tickets

    ticket = site.book(hour=10)
    refund_tickets(Order.objects.get(tickets__id=ticket.id), [ticket.code], reason="t", force=True, now=at(9))
    info, _ = site.device("s-in-2")
    report = services.upload_offline(info, "b-10", [_row("x1", at(10), ticket.token)], now=at(11))
    assert report["results"][0]["outcome"] == "flagged" and report["admitted"] == 0
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.reason) == ("invalid", "refunded")
    assert counts()["entries"] == 0


def test_staff_confirming_a_duplicate_counts_the_second_person(site, make_user):
    from scenic_ops.access import services
    from scenic_ops.access.models import Conflict, ScanCorrection

    ticket = site.book(hour=10)
    site.scan("s-in-1", ticket.token, now=at(10, 5))
    info, _ = site.device("s-in-2")
    services.upload_offline(info, "b-11", [_row("d1", at(10, 20), ticket.token)], now=at(11))
    conflict = Conflict.objects.get()
    user = make_user("gate_checker")
    services.resolve_conflict(conflict, "confirmed", note="two people on one ticket", user=user, now=at(11, 30))
    assert counts()["entries"] == 2
    correction = ScanCorrection.objects.get()
    assert correction.kind == "manual_entry" and correction.created_by == user
    from scenic_ops.access.errors import AccessError

    with pytest.raises(AccessError):
        services.resolve_conflict(conflict, "dismissed", user=user)
