"""Bad input through the partner API: a clear error with a stable code, and nothing changes."""

import datetime as dt

import pytest
from django.utils import timezone

from scenic_ops.ticketing import capacity, payments, services
from scenic_ops.ticketing.models import Bucket, IdClaim, Order, PaymentNotification
from scenic_ops.ticketing.partners import create_partner
from tests.ticketing.conftest import request, slot_of
from tests.ticketing.test_partner_api import order_body, signed

PATH = "/api/v1/ticketing/partner/orders"


@pytest.fixture
def partner(tk):
    return create_partner("fliggy", "飞猪", rate_limit_per_minute=0)


def snapshot():
    return (
        Order.objects.count(),
        IdClaim.objects.filter(count__gt=0).count(),
        sorted(Bucket.objects.values_list("id", "used", "reserved")),
    )


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda b, s: b["items"][0]["visitors"][0].update(id_number="110101199003071235"), 400, "invalid_id_checksum"),
        (lambda b, s: b["items"][0].update(quantity=-1), 400, "invalid_quantity"),
        (lambda b, s: b["items"][0].update(product="no-such-thing"), 400, "unknown_product"),
        (lambda b, s: b["items"][0].update(category="nobody"), 400, "unknown_category"),
        (lambda b, s: b.update(slot=slot_of(-1).id), 400, "slot_past"),
        (lambda b, s: b.update(slot=99999999), 404, "unknown_slot"),
        (lambda b, s: b.update(slot="nine"), 400, "invalid_request"),
        (lambda b, s: b.pop("external_id"), 400, "invalid_request"),
        (lambda b, s: b["items"][0]["visitors"][0].update(id_type="library card"), 400, "invalid_id_type"),
        (lambda b, s: b["items"][0]["visitors"][0].update(name=""), 400, "invalid_name"),
        (lambda b, s: b["contact"].update(phone="12345"), 400, "invalid_phone"),
        (lambda b, s: b["items"][0].update(quantity=3), 400, "visitors_mismatch"),
    ],
)
def test_bad_orders_change_nothing(client, partner, mutate, status, code):
    slot = slot_of()
    body = order_body(slot)
    mutate(body, slot)
    before = snapshot()
    response = signed(client, partner, "POST", PATH, body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.content
    assert response.json()["detail"]
    assert snapshot() == before


def test_closed_day_and_sold_out(client, partner):
    slot = slot_of(2)
    capacity.set_day_closed(slot.date, True)
    response = signed(client, partner, "POST", PATH, order_body(slot))
    assert (response.status_code, response.json()["code"]) == (400, "day_closed")
    other = slot_of(3)
    capacity.change_bucket(Bucket.objects.get(slot=other, kind="slot"), capacity=0)
    response = signed(client, partner, "POST", PATH, order_body(other, external_id="E2"))
    assert (response.status_code, response.json()["code"]) == (409, "sold_out")
    assert Order.objects.count() == 0


def test_malformed_json(client, partner):
    import secrets
    import time

    from scenic_ops.ticketing import api_auth

    raw = b"{not json"
    ts, nonce = str(int(time.time())), secrets.token_hex(8)
    sig = api_auth.signature(partner.signing_secret, ts, nonce, "POST", PATH, raw)
    response = client.generic(
        "POST", PATH, raw, content_type="application/json",
        HTTP_X_API_KEY=partner.api_key, HTTP_X_TIMESTAMP=ts, HTTP_X_NONCE=nonce, HTTP_X_SIGNATURE=sig,
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"


def test_hold_confirm_cancel_for_a_partner_that_pays_first(client, tk):
    creds = create_partner("meituan", "美团", prepaid=False)
    slot = slot_of()
    created = signed(client, creds, "POST", PATH, order_body(slot, n=2)).json()
    assert created["status"] == "held" and created["hold_expires_at"]
    number = created["order"]
    confirmed = signed(client, creds, "POST", f"{PATH}/{number}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = signed(client, creds, "POST", f"{PATH}/{number}/confirm")
    assert again.status_code == 200  # harmless repeat
    cancelled = signed(client, creds, "POST", f"{PATH}/{number}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "refunded"
    assert Bucket.objects.get(slot=slot, kind="slot").used == 0
    second = signed(client, creds, "POST", PATH, order_body(slot, seq=20, external_id="E9")).json()
    Order.objects.filter(number=second["order"]).update(hold_expires_at=timezone.now() - dt.timedelta(minutes=1))
    late = signed(client, creds, "POST", f"{PATH}/{second['order']}/confirm")
    assert (late.status_code, late.json()["code"]) == (409, "hold_expired")
    found = signed(client, creds, "GET", f"{PATH}?external_id=E9")
    assert found.json()["order"] == second["order"]
    other = create_partner("other", "别家")
    assert signed(client, other, "GET", f"{PATH}/{number}").status_code == 404  # not its order


def test_payment_notification_endpoint_is_replay_safe(client, tk):
    booking = services.book(request(slot_of(), n=1))
    order = Order.objects.get(pk=booking.order_id)
    payment = payments.start_payment(order)
    body, headers = payments.PROVIDERS["sandbox"].notification(payment)
    url = "/api/v1/ticketing/payments/sandbox/notify"
    first = client.generic("POST", url, body, content_type="application/json", **headers)
    assert first.status_code == 200 and first.json()["outcome"] == "confirmed"
    replay = client.generic("POST", url, body, content_type="application/json", **headers)
    assert replay.json()["outcome"] == "duplicate"
    second_id, second_headers = payments.PROVIDERS["sandbox"].notification(payment)
    assert (
        client.generic("POST", url, second_id, content_type="application/json", **second_headers).json()["outcome"]
        == "already_paid"
    )
    forged = client.generic(
        "POST", url, body.replace(b"succeeded", b"failed"), content_type="application/json", **headers
    )
    assert (forged.status_code, forged.json()["code"]) == (400, "bad_notification")
    order.refresh_from_db()
    assert order.status == "confirmed" and order.payments.get().status == "succeeded"
    assert PaymentNotification.objects.count() == 2
    assert Bucket.objects.get(slot__id=booking.slot_id, kind="slot").used == 1


def test_public_key_endpoint(client, db):
    data = client.get("/api/v1/ticketing/keys").json()
    assert data["algorithm"] == "Ed25519" and len(data["kid"]) == 8
    bad = client.get("/api/v1/ticketing/availability?date=tomorrow")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_request")
    assert client.get("/api/v1/ticketing/availability?date=2020-01-01").json()["status"] == "unavailable"
