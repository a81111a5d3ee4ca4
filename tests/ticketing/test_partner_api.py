import json
import secrets
import time

import pytest

from scenic_ops.core.models import OutboxMessage
from scenic_ops.ticketing import api_auth, services, tokens
from scenic_ops.ticketing.models import Order, Ticket
from scenic_ops.ticketing.partners import create_partner
from tests.ticketing.conftest import bucket_state, slot_of, valid_id


@pytest.fixture
def partner(tk):
    return create_partner("ctrip", "携程", webhook_url="https://partner.example/hook", rate_limit_per_minute=1000)


def signed(client, creds, method, path, body=None, *, nonce=None, ts=None, secret=None, extra=None):
    raw = json.dumps(body).encode() if body is not None else b""
    ts = str(ts or int(time.time()))
    nonce = nonce or secrets.token_hex(8)
    sig = api_auth.signature(secret or creds.signing_secret, ts, nonce, method, path, raw)
    headers = {"HTTP_X_API_KEY": creds.api_key, "HTTP_X_TIMESTAMP": ts, "HTTP_X_NONCE": nonce, "HTTP_X_SIGNATURE": sig}
    headers.update(extra or {})
    if method == "GET":
        return client.get(path, **headers)
    return client.generic(method, path, raw, content_type="application/json", **headers)


def order_body(slot, seq=1, external_id="EXT-1", n=1):
    return {
        "external_id": external_id,
        "slot": slot.id,
        "contact": {"name": "张三", "phone": "13800138000"},
        "items": [
            {
                "product": "entry",
                "category": "adult",
                "visitors": [
                    {"name": f"游客{i}", "id_type": "resident", "id_number": valid_id(seq + i)} for i in range(n)
                ],
            }
        ],
    }


def test_partner_create_is_idempotent_on_external_id(client, partner):
    slot = slot_of()
    first = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot))
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "confirmed" and not data["replayed"]
    assert tokens.verify(data["tickets"][0]["token"]).code == data["tickets"][0]["code"]
    again = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot))
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["order"] == data["order"]
    assert Order.objects.count() == 1 and bucket_state(slot)["slot"][0] == 1
    got = signed(client, partner, "GET", f"/api/v1/ticketing/partner/orders/{data['order']}")
    assert got.status_code == 200 and got.json()["tickets"][0]["status"] == "valid"


def test_the_same_partner_order_id_for_another_order_is_refused_and_changes_nothing(client, partner):
    """A partner reusing its order id for a different order (another visitor) must not get the first
    order back as a "replay": that would hand one visitor's tickets to another."""
    slot = slot_of()
    first = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot, seq=1))
    assert first.status_code == 201
    other_visitor = order_body(slot, seq=7)
    for extra in ({}, {"HTTP_IDEMPOTENCY_KEY": "retry-7"}):
        clash = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", other_visitor, extra=extra)
        assert clash.status_code == 409, clash.content
        assert clash.json()["code"] == "external_id_conflict" and "tickets" not in clash.json()
    more_tickets = order_body(slot, seq=1, n=2)
    assert signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", more_tickets).status_code == 409
    other_slot = slot_of(hour=11)
    moved = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(other_slot, seq=1))
    assert moved.status_code == 409 and moved.json()["code"] == "external_id_conflict"
    assert Order.objects.count() == 1 and Ticket.objects.count() == 1
    assert bucket_state(slot)["slot"][0] == 1 and bucket_state(other_slot)["slot"][0] == 0
    # the same order again is still a retry
    again = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot, seq=1))
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["order"] == first.json()["order"]


def test_idempotency_key_replays_answer(client, partner):
    slot = slot_of()
    key = {"HTTP_IDEMPOTENCY_KEY": "abc-123"}
    first = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot), extra=key)
    second = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot), extra=key)
    assert first.status_code == 201 and second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json()["order"] == first.json()["order"]
    assert Order.objects.count() == 1


@pytest.mark.parametrize("tamper", ["signature", "stale", "replay", "no_key"])
def test_bad_partner_requests_change_nothing(client, partner, tamper):
    slot = slot_of()
    path = "/api/v1/ticketing/partner/orders"
    if tamper == "signature":
        response = signed(client, partner, "POST", path, order_body(slot), secret="wrong")
        expected = ("bad_signature", 401)
    elif tamper == "stale":
        response = signed(client, partner, "POST", path, order_body(slot), ts=int(time.time()) - 3600)
        expected = ("stale_request", 401)
    elif tamper == "replay":
        signed(client, partner, "POST", path, order_body(slot, external_id="A"), nonce="nonce-123456")
        response = signed(client, partner, "POST", path, order_body(slot, seq=9, external_id="B"), nonce="nonce-123456")
        expected = ("replayed_request", 401)
    else:
        response = client.post(path, order_body(slot), content_type="application/json")
        expected = ("not_authenticated", 401)
    assert (response.json()["code"], response.status_code) == expected
    assert Order.objects.count() == (1 if tamper == "replay" else 0)


def test_partner_refund_and_webhooks(client, partner):
    slot = slot_of()
    data = signed(client, partner, "POST", "/api/v1/ticketing/partner/orders", order_body(slot, n=2)).json()
    code = data["tickets"][0]["code"]
    refund = signed(
        client, partner, "POST", f"/api/v1/ticketing/partner/orders/{data['order']}/refund", {"tickets": [code]}
    )
    assert refund.status_code == 200, refund.content
    assert refund.json()["amount"] == "90.00" and refund.json()["fee"] == "10.00"
    again = signed(
        client, partner, "POST", f"/api/v1/ticketing/partner/orders/{data['order']}/refund", {"tickets": [code]}
    )
    assert again.status_code == 409 and again.json()["code"] == "ticket_not_valid"
    assert bucket_state(slot)["slot"][0] == 1
    hooks = OutboxMessage.objects.filter(channel="webhook")
    assert [h.payload["event"] for h in hooks] == ["ticket.refunded"]
    assert hooks[0].payload["external_id"] == "EXT-1"
    # A gate consumes the other ticket's use (through ticketing's gate door): the partner hears of it once.
    from django.db import connection
    from django.utils import timezone

    from scenic_ops.ticketing import gate

    other = Ticket.objects.get(code=data["tickets"][1]["code"])
    at = timezone.make_aware(timezone.datetime.combine(slot.date, slot.start))
    with connection.cursor() as cur:
        assert gate.consume_use(cur, day=slot.date, at=at, ticket_id=other.pk)
        gate.notify_used(other.pk, at=at, gate="south", entry=1)
        assert not gate.consume_use(cur, day=slot.date, at=at, ticket_id=other.pk)  # used: never twice
    other.refresh_from_db()
    assert other.status == "used" and other.used_count == 1
    used = OutboxMessage.objects.get(channel="webhook", payload__event="ticket.used")
    assert used.payload["ticket"] == other.code and used.payload["gate"] == "south"


def test_rate_limit(client, tk):
    creds = create_partner("slow", "Slow OTA", rate_limit_per_minute=2)
    for _ in range(2):
        assert signed(client, creds, "GET", "/api/v1/ticketing/partner/products").status_code == 200
    response = signed(client, creds, "GET", "/api/v1/ticketing/partner/products")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"


def test_calendar_and_availability(client, partner):
    slot = slot_of()
    response = signed(client, partner, "GET", f"/api/v1/ticketing/partner/calendar?start={slot.date}&days=2")
    assert response.status_code == 200
    day = response.json()["days"][0]
    assert day["products"]["entry"]["prices"]["adult"] == "100.00"
    public = client.get(f"/api/v1/ticketing/availability?date={slot.date}").json()
    assert public["status"] == "open"
    first = next(s for s in public["slots"] if s["id"] == slot.id)
    assert first["remaining"] == 200 and first["products"]["cable"] == 40
    services.book(
        services.BookingRequest(
            slot.id, [services.ItemIn("entry", "adult", [services.VisitorIn("甲", "resident", valid_id(77))])]
        )
    )
    again = client.get(f"/api/v1/ticketing/availability?date={slot.date}").json()
    assert next(s for s in again["slots"] if s["id"] == slot.id)["remaining"] == 199


def test_openapi_documents_partner_api(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "/api/v1/ticketing/partner/orders" in paths
    post = paths["/api/v1/ticketing/partner/orders"]["post"]
    assert "examples" in json.dumps(post)
    assert any(p["name"] == "X-Signature" for p in post["parameters"])
