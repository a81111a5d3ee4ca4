"""The usual scan in one round trip (a compound statement that commits itself): the same answer,
the same scan log row and the same counts as the locked path writes, and the same refusals.

These tests commit (transaction=True), as a gate's request does; the other access tests run the
same statement inside the test's transaction, where it is a savepoint of it."""

from __future__ import annotations

import pytest

from scenic_ops.access import scanlog
from tests.access.conftest import at, counts

pytestmark = pytest.mark.django_db(transaction=True)

# Every column the scan log's writers fill, but the ids that differ from row to row.
SCAN_FIELDS = tuple(c for c in scanlog.COLUMNS if c not in ("ticket_id", "device_scan_id", "detail", "log_key"))


def _row(scan_id):
    from scenic_ops.access.models import Scan

    scan = Scan.objects.get(pk=scan_id)
    return {f: getattr(scan, f) for f in SCAN_FIELDS}


def test_one_trip_and_locked_admissions_write_the_same(site):
    from scenic_ops.flow import live
    from scenic_ops.ticketing.api_auth import PartnerInfo
    from scenic_ops.ticketing.models import Ticket
    from scenic_ops.ticketing.partners import create_partner

    fast_ticket = site.book(hour=10, name="李四")
    # A partner's ticket owes the partner a webhook: its first entry is decided with the ticket locked.
    creds = create_partner("ctrip", "携程")
    partner = PartnerInfo(creds.partner.id, "ctrip", b"", True, True, frozenset())
    slow_ticket = site.book(hour=10, name="王五", channel="partner", partner=partner.ref, external_id="EXT-2")
    version = live.current_version()
    fast = site.scan("s-in-1", fast_ticket.token, now=at(10))
    assert fast.admit and fast.reason == "admitted" and fast.name == "李*" and fast.uses_left == 0
    assert live.current_version() == version + 1  # the live figures were told once committed

    slow = site.scan("s-in-1", slow_ticket.token, now=at(10))
    assert slow.admit and slow.name == "王*"

    fast_row, slow_row = _row(fast.scan_id), _row(slow.scan_id)
    assert fast_row.pop("ticket_code") == fast_ticket.code and slow_row.pop("ticket_code") == slow_ticket.code
    assert (fast_row.pop("channel"), slow_row.pop("channel")) == ("web", "partner")
    assert fast_row == slow_row
    for code in (fast_ticket.code, slow_ticket.code):
        ticket = Ticket.objects.get(code=code)
        assert (ticket.status, ticket.used_count) == ("used", 1) and ticket.first_used_at is not None
    assert counts()["entries"] == 2

    again = site.scan("s-in-2", fast_ticket.token, now=at(10, 5))
    assert not again.admit and again.reason == "used"
    assert counts()["entries"] == 2


def test_a_refunded_ticket_is_refused_and_nothing_is_written(site):
    from scenic_ops.access.models import Scan
    from scenic_ops.ticketing.models import Ticket

    ticket = site.book(hour=10)
    Ticket.objects.filter(code=ticket.code).update(status="refunded")
    answer = site.scan("s-in-1", ticket.token, now=at(10))
    assert not answer.admit and answer.reason == "refunded"
    assert Ticket.objects.get(code=ticket.code).used_count == 0
    assert counts()["entries"] == 0
    assert not Scan.objects.filter(ticket_code=ticket.code, outcome="admitted").exists()


def test_a_partners_ticket_is_admitted_with_its_webhook_in_the_same_transaction(site):
    from scenic_ops.core.models import OutboxMessage
    from scenic_ops.ticketing.api_auth import PartnerInfo
    from scenic_ops.ticketing.partners import create_partner

    creds = create_partner("ctrip", "携程", webhook_url="https://partner.example/hook")
    partner = PartnerInfo(creds.partner.id, "ctrip", b"", True, True, frozenset())
    ticket = site.book(hour=10, channel="partner", partner=partner.ref, external_id="EXT-9")
    answer = site.scan("s-in-1", ticket.token, now=at(10))
    assert answer.admit and answer.reason == "admitted"
    hooks = OutboxMessage.objects.filter(channel="webhook", payload__event="ticket.used")
    assert hooks.count() == 1 and hooks.get().payload["external_id"] == "EXT-9"
    assert site.scan("s-in-1", ticket.token, now=at(10, 1)).reason == "used"
    assert hooks.count() == 1 and counts()["entries"] == 1


def test_a_scan_id_used_for_another_scan_is_a_clear_error_and_changes_nothing(site):
    from scenic_ops.access.errors import AccessError
    from scenic_ops.ticketing.models import Ticket

    first, second = site.book(hour=10), site.book(hour=10)
    assert site.scan("s-in-1", first.token, now=at(10), device_scan_id="lane1-000001").admit
    with pytest.raises(AccessError) as err:
        site.scan("s-in-1", second.token, now=at(10), device_scan_id="lane1-000001")
    assert err.value.code == "invalid_request"
    assert Ticket.objects.get(code=second.code).used_count == 0 and counts()["entries"] == 1
