"""Re-entry rules, anti-passback, multi-use tickets, bundles and internal zone gates."""

from __future__ import annotations

import pytest

from tests.access.conftest import at, counts, in_park

pytestmark = pytest.mark.django_db


def test_single_use_ticket_cannot_come_back_after_leaving(site):
    ticket = site.book(hour=10)
    assert site.scan("s-in-1", ticket.token, now=at(10)).reason == "admitted"
    assert site.scan("s-out", ticket.token, now=at(11)).reason == "exited"
    again = site.scan("s-in-2", ticket.token, now=at(12)).as_dict()
    assert again["reason"] == "used" and "10:00" in again["message"]["zh"]
    assert in_park() == 0 and counts() == {**counts(), "entries": 1, "exits": 1}


def test_same_day_reentry_with_anti_passback(site):
    ticket = site.book("entry-re", hour=10)
    assert site.scan("s-in-1", ticket.token, now=at(10)).reason == "admitted"
    passback = site.scan("s-in-2", ticket.token, now=at(10, 1)).as_dict()  # handed back over the fence
    assert passback["reason"] == "passback" and "南山门" in passback["message"]["zh"]
    assert site.scan("s-out", ticket.token, now=at(11)).reason == "exited"
    assert site.scan("s-out", ticket.token, now=at(11, 1)).reason == "not_inside"  # exit anti-passback
    assert site.scan("s-in-1", ticket.token, now=at(12)).reason == "readmitted"
    assert site.scan("s-out", ticket.token, now=at(13)).reason == "exited"
    assert site.scan("s-in-2", ticket.token, now=at(14)).reason == "readmitted"
    assert in_park() == 1
    assert counts()["entries"] == 3 and counts()["exits"] == 2


def test_reentry_limited_number_of_times(site):
    ticket = site.book("entry-1x", hour=10)
    for lane, hour, reason in (
        ("s-in-1", 10, "admitted"),
        ("s-out", 11, "exited"),
        ("s-in-1", 12, "readmitted"),
        ("s-out", 13, "exited"),
        ("s-in-1", 14, "reentry_limit"),
    ):
        assert site.scan(lane, ticket.token, now=at(hour)).reason == reason, (lane, hour)
    assert in_park() == 0


def test_exit_without_entry_is_refused(site):
    ticket = site.book(hour=10)
    assert site.scan("s-out", ticket.token, now=at(10)).reason == "not_inside"
    assert counts()["exits"] == 0


def test_two_entry_ticket_needs_an_exit_between_entries(site):
    ticket = site.book("entry2", hour=10)
    first = site.scan("s-in-1", ticket.token, now=at(10))
    assert (first.reason, first.uses_left) == ("admitted", 1)
    assert site.scan("s-in-2", ticket.token, now=at(10, 2)).reason == "passback"
    assert site.scan("s-out", ticket.token, now=at(11)).reason == "exited"
    second = site.scan("s-in-2", ticket.token, now=at(12))
    assert (second.reason, second.uses_left) == ("admitted", 0)
    site.scan("s-out", ticket.token, now=at(13))
    assert site.scan("s-in-1", ticket.token, now=at(14)).reason == "used"


def test_bundle_opens_the_entrance_and_the_cableway_once_each(site):
    from scenic_ops.ticketing.models import Ticket

    ticket = site.book("entry-cable", hour=10)
    assert site.scan("s-in-1", ticket.token, now=at(10)).reason == "admitted"
    assert Ticket.objects.get(pk=ticket.id).status == "used"
    assert site.scan("c-in", ticket.token, now=at(11)).reason == "admitted"  # its cableway part
    assert site.scan("c-in", ticket.token, now=at(12)).reason == "used"
    cable_zone = site.zones["cableway-lower"].pk
    assert counts(cable_zone)["entries"] == 1 and counts()["entries"] == 1


def test_internal_gate_counts_its_zone_and_needs_a_site_entry(site):
    ticket = site.book(hour=10)
    summit = site.zones["summit"].pk
    assert site.scan("sm-in", ticket.token, now=at(10)).reason == "not_entered"
    site.scan("s-in-1", ticket.token, now=at(10, 5))
    assert site.scan("sm-in", ticket.token, direction="in", now=at(11)).reason == "admitted"
    assert site.scan("sm-in", ticket.token, direction="in", now=at(11, 1)).reason == "passback"
    assert site.scan("sm-in", ticket.token, direction="out", now=at(12)).reason == "exited"
    assert site.scan("sm-in", ticket.token, direction="in", now=at(12, 30)).reason == "admitted"
    assert counts(summit) == {**counts(summit), "entries": 2, "exits": 1}
    assert in_park() == 1  # zone passages do not move the site's count


def test_direction_is_checked_against_the_lane(site):
    from scenic_ops.access.errors import AccessError

    ticket = site.book(hour=10)
    with pytest.raises(AccessError) as refused:
        site.scan("s-in-1", ticket.token, direction="out", now=at(10))
    assert refused.value.code == "direction_not_allowed"
