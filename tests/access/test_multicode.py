"""Multi-code entry: ID card through the blind index, social-security card, face-match ids."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.access.conftest import at, counts, valid_id

pytestmark = pytest.mark.django_db


def test_id_card_finds_the_ticket_by_blind_index_without_decrypting(site, monkeypatch, django_assert_max_num_queries):
    from scenic_ops.access import credentials
    from scenic_ops.core import pii
    from scenic_ops.ticketing.models import Ticket

    others = [site.book(hour=10, id_number=valid_id(100 + i), name=f"游客{i}") for i in range(25)]
    number = valid_id(7, born=dt.date(1970, 1, 2))
    mine = site.book(hour=10, id_number=number, name="李四", category="student")
    assert credentials.id_index(number) == Ticket.objects.get(pk=mine.id).id_number_index  # ticketing's kind "id"

    def no_decrypt(*args, **kwargs):
        raise AssertionError("an ID-card entry must not decrypt personal data")

    monkeypatch.setattr(pii, "decrypt", no_decrypt)
    site.device("s-in-1")
    with django_assert_max_num_queries(12):
        answer = site.scan("s-in-1", number.lower(), method="id_card", now=at(10, 5)).as_dict()
    assert answer["admit"] and answer["ticket"] == mine.code and answer["name"] == "李*"
    assert answer["check_document"]["zh"] == "学生证"
    assert not any(Ticket.objects.filter(pk=o.id, used_count__gt=0).exists() for o in others)
    second = site.scan("s-in-2", number, method="id_card", now=at(10, 6)).as_dict()
    assert second["reason"] == "used"
    assert counts()["entries"] == 1


def test_id_card_without_ticket_today_says_why(site):
    number = valid_id(9)
    assert site.scan("s-in-1", number, method="id_card", now=at(10)).reason == "unknown"
    site.book(hour=10, days=1, id_number=number)
    answer = site.scan("s-in-1", number, method="id_card", now=at(10)).as_dict()
    assert answer["reason"] == "wrong_date" and str(at(0, days=1).date()) in answer["message"]["en"]
    cable = valid_id(10)
    site.book("cable", hour=10, id_number=cable)
    assert site.scan("s-in-1", cable, method="id_card", now=at(10)).reason == "wrong_entrance"


def test_id_card_picks_the_ticket_this_lane_takes(site):
    number = valid_id(11)
    entry = site.book(hour=10, id_number=number)
    cable = site.book("cable", hour=10, id_number=number)
    assert site.scan("c-in", number, method="id_card", now=at(10)).ticket_code == cable.code
    assert site.scan("s-in-1", number, method="id_card", now=at(10)).ticket_code == entry.code


def test_social_security_number_is_the_id_number(site):
    number = valid_id(12)
    ticket = site.book(hour=10, id_number=number)
    assert site.scan("s-in-1", number, method="ssc", now=at(10)).ticket_code == ticket.code
    assert site.scan("s-in-1", "not-a-card-number", method="ssc", now=at(10)).reason == "unknown"


def test_face_bound_at_first_entry_opens_the_gate_later_and_no_image_is_kept(site):
    from scenic_ops.access.errors import AccessError
    from scenic_ops.access.models import CredentialBinding

    number = valid_id(13)
    ticket = site.book("entry-re", hour=10, id_number=number)
    with pytest.raises(AccessError) as refused:
        site.scan("s-in-1", number, method="id_card", now=at(10), bind={"kind": "face", "value": "FM-77"})
    assert refused.value.code == "consent_required"
    first = site.scan(
        "s-in-1", number, method="id_card", now=at(10), bind={"kind": "face", "value": "FM-77", "consent": True}
    )
    assert first.reason == "admitted"
    binding = CredentialBinding.objects.get()
    assert binding.kind == "face" and binding.source == "gate"
    assert b"FM-77" not in bytes(binding.value_enc) and binding.value_index and binding.consent_at
    assert not [f for f in CredentialBinding._meta.get_fields() if "image" in f.name or "photo" in f.name]
    assert site.scan("s-out", "FM-77", method="face", now=at(11)).reason == "exited"
    back = site.scan("s-in-2", "FM-77", method="face", now=at(12))
    assert (back.reason, back.ticket_code) == ("readmitted", ticket.code)
    assert site.scan("s-in-2", "FM-00", method="face", now=at(12)).reason == "unknown"


def test_binding_at_booking_through_the_api(site, client):
    from scenic_ops.core import apikeys
    from tests.access.conftest import post_json

    number = valid_id(14)
    ticket = site.book(hour=10, id_number=number)
    key = apikeys.issue("portal", kind="integration", scopes=["gate:bind"]).secret
    refused = post_json(
        client, "/api/v1/access/bindings", {"kind": "face", "value": "FM-9", "id_number": number}, key=key
    )
    assert refused.status_code == 400 and refused.json()["code"] == "consent_required"
    made = post_json(
        client,
        "/api/v1/access/bindings",
        {"kind": "face", "value": "FM-9", "id_number": number, "consent": True, "vendor": "acme"},
        key=key,
    )
    assert made.status_code == 201 and made.json()["visitor"].startswith("3205")
    assert site.scan("s-in-1", "FM-9", method="face", now=at(10)).ticket_code == ticket.code
    nobody = post_json(
        client,
        "/api/v1/access/bindings",
        {"kind": "face", "value": "FM-1", "id_number": valid_id(99), "consent": True},
        key=key,
    )
    assert nobody.status_code == 404 and nobody.json()["code"] == "no_ticket_for_visitor"
