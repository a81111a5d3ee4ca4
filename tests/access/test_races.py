"""Exactly once under concurrency: real threads, one database connection each."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.access.conftest import at, counts

LANES = 20


def _lanes(site, n: int):
    from scenic_ops.access import config, services
    from scenic_ops.access.models import Lane

    infos = []
    for i in range(n):
        lane = Lane.objects.create(gate=site.gates["south"], code=f"race-{i}", name=f"闸{i}", direction="in")
        device, _secret = services.create_device(lane, f"race-dev-{i}", f"读头{i}")
        infos.append(device.api_key_id)
    config.forget()
    return [config.device_for_key(k) for k in infos]


def _all_at_once(infos, scan):
    barrier = threading.Barrier(len(infos))

    def work(info):
        try:
            barrier.wait(timeout=30)
            return scan(info)
        finally:
            connection.close()

    with ThreadPoolExecutor(len(infos)) as pool:
        return list(pool.map(work, infos))


@pytest.mark.django_db(transaction=True)
def test_same_ticket_at_twenty_lanes_at_once_is_admitted_exactly_once(site):
    from scenic_ops.access import services
    from scenic_ops.access.models import Scan
    from scenic_ops.ticketing.models import Ticket

    ticket = site.book(hour=10)
    infos = _lanes(site, LANES)
    answers = _all_at_once(infos, lambda info: services.scan(info, "qr", ticket.token, "in", now=at(10, 5)))
    assert sorted(a.reason for a in answers) == ["admitted"] + ["used"] * (LANES - 1)
    assert Scan.objects.filter(ticket_id=ticket.id, outcome="admitted").count() == 1
    assert Scan.objects.filter(ticket_id=ticket.id, reason="used").count() == LANES - 1
    assert Ticket.objects.get(pk=ticket.id).used_count == 1
    assert counts()["entries"] == 1


@pytest.mark.django_db(transaction=True)
def test_re_entry_raced_at_twenty_lanes_readmits_once(site):
    """After an exit, a same-day re-entry ticket shown at 20 lanes at once comes back in once."""
    from scenic_ops.access import services

    ticket = site.book("entry-re", hour=10)
    assert site.scan("s-in-1", ticket.token, now=at(10, 5)).admit
    assert site.scan("s-out", ticket.token, now=at(11)).reason == "exited"
    infos = _lanes(site, LANES)
    answers = _all_at_once(infos, lambda info: services.scan(info, "qr", ticket.token, "in", now=at(12)))
    assert sorted(a.reason for a in answers) == ["passback"] * (LANES - 1) + ["readmitted"]
    assert counts() == {**counts(), "entries": 2, "exits": 1}


@pytest.mark.django_db(transaction=True)
def test_id_card_and_qr_of_the_same_ticket_at_once_admit_once(site):
    from scenic_ops.access import services

    number = "320506199003071234"
    from scenic_ops.ticketing import idcard

    number = idcard.make_number("320506", __import__("datetime").date(1985, 5, 5), 7)
    ticket = site.book(hour=10, id_number=number)
    infos = _lanes(site, 10)

    def scan(info):
        if infos.index(info) % 2:
            return services.scan(info, "id_card", number, "in", now=at(10, 5))
        return services.scan(info, "qr", ticket.token, "in", now=at(10, 5))

    answers = _all_at_once(infos, scan)
    assert sum(a.admit for a in answers) == 1
    assert counts()["entries"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_is_run_again_and_applied_once(site, monkeypatch):
    """The locked path (partner tickets, re-entries…): a victim is rolled back and run again."""
    from django.db import OperationalError

    from scenic_ops.access import decision, services
    from scenic_ops.ticketing.api_auth import PartnerInfo
    from scenic_ops.ticketing.partners import create_partner

    creds = create_partner("ctrip", "携程")
    partner = PartnerInfo(creds.partner.id, "ctrip", b"", True, True, frozenset())
    ticket = site.book(hour=10, channel="partner", partner=partner.ref, external_id="EXT-1")
    info, _ = site.device("s-in-1")
    real = decision.count
    calls = {"n": 0}

    def once_a_victim(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
        return real(*args, **kwargs)

    monkeypatch.setattr(decision, "count", once_a_victim)
    answer = services.scan(info, "qr", ticket.token, "in", now=at(10))
    assert answer.reason == "admitted" and calls["n"] == 2
    assert counts()["entries"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_inside_the_one_trip_admission_rolls_all_of_it_back(site, monkeypatch):
    """MariaDB fails the compound statement after the scan and the count were written, before
    COMMIT: nothing of it stays, and the retry admits once."""
    from scenic_ops.access import services, sql
    from scenic_ops.access.models import Scan
    from scenic_ops.ticketing.models import Ticket

    ticket = site.book(hour=10)
    info, _ = site.device("s-in-1")
    real = sql.first_entry_block
    calls = {"n": 0}

    def victim_once(*args, **kwargs):
        calls["n"] += 1
        text, params = real(*args, **kwargs)
        if calls["n"] == 1:  # the scan and the count are written; the server fails it before COMMIT
            victim = "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found';\n"
            text = text.replace("IF own THEN COMMIT;", victim + "IF own THEN COMMIT;", 1)
        return text, params

    monkeypatch.setattr(sql, "first_entry_block", victim_once)
    answer = services.scan(info, "qr", ticket.token, "in", now=at(10))
    assert answer.admit and answer.reason == "admitted" and calls["n"] == 2
    assert counts()["entries"] == 1
    assert Scan.objects.filter(ticket_code=ticket.code).count() == 1
    assert Ticket.objects.get(code=ticket.code).used_count == 1
