"""Validating one credential: the answer, its reason codes, the log and the counts."""

from __future__ import annotations

import pytest

from tests.access.conftest import at, counts, in_park

pytestmark = pytest.mark.django_db


def test_first_entry_is_admitted_logged_and_counted(site):
    from scenic_ops.access.models import Scan
    from scenic_ops.ticketing.models import Ticket

    ticket = site.book(hour=10, category="student")
    answer = site.scan("s-in-1", ticket.token, now=at(10, 5))
    body = answer.as_dict()
    assert body["admit"] is True and body["reason"] == "admitted"
    assert body["name"] == "张*"
    assert body["category"]["code"] == "student"
    assert body["check_document"] == {"zh": "学生证", "en": "Student card"}
    assert body["uses_left"] == 0
    scan = Scan.objects.get(pk=body["scan"])
    assert (scan.outcome, scan.ticket_id, scan.counted, scan.channel) == ("admitted", ticket.id, True, "web")
    assert Ticket.objects.get(pk=ticket.id).status == "used"
    assert in_park() == 1


def test_second_scan_says_where_and_when_it_was_used(site):
    ticket = site.book(hour=10)
    site.scan("s-in-1", ticket.token, now=at(10, 5))
    again = site.scan("s-in-2", ticket.token, now=at(10, 7)).as_dict()
    assert again["admit"] is False and again["reason"] == "used"
    assert "南山门" in again["message"]["zh"] and "10:05" in again["message"]["zh"]
    assert "South Gate" in again["message"]["en"]
    assert in_park() == 1


def test_window_with_grace_wrong_date_and_expired(site):
    from scenic_ops.access.models import AdmissionRule

    later = site.book(hour=14)
    early = site.scan("s-in-1", later.token, now=at(13, 20)).as_dict()
    assert (early["admit"], early["reason"]) == (False, "too_early")
    assert "13:30" in early["message"]["zh"]
    assert site.scan("s-in-1", later.token, now=at(13, 31)).admit  # 30 minutes' grace by default
    AdmissionRule.objects.create(product=site.products["entry2"], until="slot_end", late_minutes=15)
    from scenic_ops.access import config

    config.forget()
    slot_bound = site.book("entry2", hour=10)
    late = site.scan("s-in-1", slot_bound.token, now=at(11, 20)).as_dict()
    assert late["reason"] == "too_late" and "11:15" in late["message"]["en"]
    tomorrow = site.book(hour=10, days=1)
    answer = site.scan("s-in-1", tomorrow.token, now=at(10)).as_dict()
    assert answer["reason"] == "wrong_date" and str(at(0, days=1).date()) in answer["message"]["zh"]
    yesterday = site.book(hour=10, days=-1, booked_at=at(0, days=-2))
    assert site.scan("s-in-1", yesterday.token, now=at(10)).reason == "expired"
    assert counts()["entries"] == 1


def test_wrong_entrance_refunded_and_closed_day(site):
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import Order, Ticket
    from scenic_ops.ticketing.services import refund_tickets

    cable = site.book("cable", hour=10)
    wrong = site.scan("s-in-1", cable.token, now=at(10)).as_dict()
    assert wrong["reason"] == "wrong_entrance" and "索道" in wrong["message"]["zh"]
    assert site.scan("c-in", cable.token, now=at(10)).admit  # a cableway lane takes cableway tickets
    entry = site.book(hour=10)
    assert site.scan("c-in", entry.token, now=at(10)).reason == "wrong_entrance"
    refunded = site.book(hour=10)
    order = Order.objects.get(tickets__id=refunded.id)
    refund_tickets(order, [refunded.code], reason="test", force=True)
    assert site.scan("s-in-1", refunded.token, now=at(10)).reason == "refunded"
    assert Ticket.objects.get(pk=refunded.id).status == "refunded"
    capacity.set_day_closed(at(0).date(), True, note="typhoon")
    from scenic_ops.access import config

    config.forget()
    assert site.scan("s-in-2", entry.token, now=at(10)).reason == "closed_day"
    assert counts()["entries"] == 0  # the cableway is a zone, not the park


def test_forged_and_malformed_codes_are_refused_without_the_database(site, django_assert_num_queries):
    from scenic_ops.access import scanlog
    from scenic_ops.access.models import Scan

    ticket = site.book(hour=10)
    head, signature = ticket.token.rsplit(".", 1)
    forged = f"{head}.{signature[:-3]}{'AAA' if signature[-3:] != 'AAA' else 'BBB'}"
    site.device("s-in-1")  # caches warm: device key, configuration, catalogue
    site.scan("s-in-1", "SO1.x.y", now=at(10))
    with django_assert_num_queries(0):
        assert site.scan("s-in-1", forged, now=at(10)).reason == "forged"
        assert site.scan("s-in-1", "https://evil.example/ticket", now=at(10)).reason == "malformed"
        assert site.scan("s-in-1", "SO1.bm90IGEgdG9rZW4.c2ln", now=at(10)).reason == "malformed"
    assert Scan.objects.filter(reason__in=["forged", "malformed"]).count() == 0  # not yet: buffered
    assert scanlog.flush() == 4
    logged = Scan.objects.filter(reason__in=["forged", "malformed"])
    assert logged.count() == 4 and not logged.filter(ticket_code=ticket.code).exists()
    assert scanlog.flush() == 0


def test_refusals_decided_before_the_database_reach_the_ticket_history(site):
    from scenic_ops.access import scanlog
    from scenic_ops.access.models import Scan

    tomorrow = site.book(hour=10, days=1)
    site.scan("s-in-1", tomorrow.token, now=at(10))
    scanlog.flush()
    scan = Scan.objects.get(reason="wrong_date")
    assert (scan.ticket_id, scan.ticket_code, scan.channel) == (tomorrow.id, tomorrow.code, "web")


def test_scan_log_is_append_only(site):
    from django.db import DatabaseError, connection, transaction

    from scenic_ops.access.models import Scan

    ticket = site.book(hour=10)
    scan = Scan.objects.get(pk=site.scan("s-in-1", ticket.token, now=at(10)).scan_id)
    with pytest.raises(PermissionError):
        scan.save()
    with pytest.raises(PermissionError):
        scan.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE access_scan SET outcome = 'denied' WHERE id = %s", [scan.pk])
    assert Scan.objects.get(pk=scan.pk).outcome == "admitted"


def test_a_retried_scan_gets_the_same_answer(site):
    from scenic_ops.access.models import Scan

    ticket = site.book(hour=10)
    first = site.scan("s-in-1", ticket.token, now=at(10), device_scan_id="g1-000123").as_dict()
    again = site.scan("s-in-1", ticket.token, now=at(10, 0), device_scan_id="g1-000123").as_dict()
    assert first["admit"] and again["admit"] and again["replayed"] and again["scan"] == first["scan"]
    assert Scan.objects.filter(ticket_id=ticket.id).count() == 1
    assert counts()["entries"] == 1
