"""The gate API over HTTP: a real QR image end to end, and every kind of bad request."""

from __future__ import annotations

import io
import json
import time

import pytest
from django.utils import timezone

from tests.access.conftest import post_json

pytestmark = pytest.mark.django_db

SCAN = "/api/v1/access/scan"


def _scan(client, key, value, **body):
    return post_json(client, SCAN, {"type": "qr", "value": value, "clock": int(time.time() * 1000), **body}, key=key)


def test_qr_image_from_ticketing_decoded_by_zbar_validates(site, client):
    from PIL import Image
    from pyzbar.pyzbar import ZBarSymbol, decode

    from scenic_ops.ticketing.render import qr_png

    ticket = site.book()  # the current hour's slot: this test uses the real clock
    symbols = decode(Image.open(io.BytesIO(qr_png(ticket.token))), symbols=[ZBarSymbol.QRCODE])
    assert len(symbols) == 1
    scanned = symbols[0].data.decode("ascii")
    assert scanned == ticket.token
    _info, key = site.device("s-in-1")
    response = _scan(client, key, scanned)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["admit"] is True and body["ticket"] == ticket.code and body["reason"] == "admitted"
    assert _scan(client, key, scanned).json()["reason"] == "used"


def test_unknown_or_missing_key_is_401_with_a_code(site, client):
    ticket = site.book()
    missing = _scan(client, None, ticket.token)
    assert missing.status_code == 401 and missing.json()["code"] == "not_authenticated"
    unknown = _scan(client, "sk_0123456789ab_notarealsecretnotarealsecretnotarealsecret", ticket.token)
    assert unknown.status_code == 401 and unknown.json()["code"] == "invalid_api_key"
    assert unknown["WWW-Authenticate"] == "ApiKey"


def test_a_key_that_is_not_an_active_gate_device_is_refused(site, client):
    from scenic_ops.access import config
    from scenic_ops.access.models import GateDevice
    from scenic_ops.core import apikeys

    ticket = site.book()
    stray = apikeys.issue("not a gate", kind="integration", scopes=["gate:validate"]).secret
    response = _scan(client, stray, ticket.token)
    assert response.status_code == 403 and response.json()["code"] == "not_a_gate_device"
    partner = apikeys.issue("partner", kind="partner", scopes=["ticketing:book"]).secret
    assert _scan(client, partner, ticket.token).json()["code"] == "scope_missing"
    _info, key = site.device("s-in-1")
    GateDevice.objects.filter(code="dev-s-in-1").update(active=False)
    config.forget()
    off = _scan(client, key, ticket.token)
    assert off.status_code == 403 and off.json()["code"] == "device_inactive"


def test_gate_clock_far_off_is_a_clear_error_and_changes_nothing(site, client):
    from scenic_ops.access import scanlog
    from scenic_ops.access.models import Scan
    from scenic_ops.ticketing.models import Ticket

    ticket = site.book()
    _info, key = site.device("s-in-1")
    response = _scan(client, key, ticket.token, clock=int(time.time()) - 600)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "gate_clock_off" and body["context"]["offset"] <= -599
    assert "NTP" in body["detail"]
    assert not Scan.objects.exists() and scanlog.pending() == 0
    assert Ticket.objects.get(pk=ticket.id).used_count == 0
    iso = timezone.localtime().isoformat()
    assert _scan(client, key, ticket.token, clock=iso).json()["admit"] is True  # ISO 8601 clocks work too


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "invalid_request"),
        ("[1, 2]", "invalid_request"),
        ({"type": "qr", "clock": 0}, "gate_clock_off"),
        ({"type": "qr", "value": "SO1.a.b"}, "invalid_request"),
        ({"type": "qr", "value": "x"}, "invalid_request"),
        ({"type": "iris", "value": "x", "clock": "now"}, "invalid_request"),
        ({"type": "qr", "value": "x", "clock": "2026-01-01T00:00:00"}, "invalid_request"),
        ({"type": "retina", "value": "x", "clock": None}, "invalid_request"),
        ({"type": "qr", "value": "x", "clock": "NOW", "scan_id": ""}, "invalid_request"),
    ],
)
def test_malformed_requests_get_400_with_a_code(site, client, body, code):
    _info, key = site.device("s-in-1")
    response = post_json(client, SCAN, body, key=key)
    assert response.status_code == 400 and response.json()["code"] == code


def test_unknown_credential_type_and_method(site, client):
    _info, key = site.device("s-in-1")
    response = post_json(client, SCAN, {"type": "iris", "value": "x", "clock": int(time.time())}, key=key)
    assert response.status_code == 400 and response.json()["code"] == "unknown_credential_type"
    assert client.get(SCAN, HTTP_X_API_KEY=key).status_code == 405


def test_malformed_token_over_http_is_refused_with_a_code(site, client, django_assert_num_queries):
    _info, key = site.device("s-in-1")
    _scan(client, key, "warm-up")
    with django_assert_num_queries(0):
        body = _scan(client, key, "SO1.%%%.###").json()
    assert body["admit"] is False and body["reason"] == "malformed"
    assert body["message"]["en"] == "This is not a ticket code."


def test_heartbeat_records_status_and_clock_offset(site, client):
    from scenic_ops.access.models import GateDevice

    _info, key = site.device("s-in-1")
    ok = post_json(
        client,
        "/api/v1/access/heartbeat",
        {"clock": int(time.time() * 1000) + 2500, "whitelist_version": 17, "offline_queue": 3, "firmware": "2.1"},
        key=key,
    ).json()
    assert ok["clock_ok"] is True and 1500 < ok["clock_offset_ms"] < 4000
    device = GateDevice.objects.get(code="dev-s-in-1")
    assert device.is_online() and device.whitelist_version == 17 and device.offline_queue == 3
    off = post_json(client, "/api/v1/access/heartbeat", {"clock": int(time.time()) + 900}, key=key).json()
    assert off["clock_ok"] is False
    bad = post_json(client, "/api/v1/access/heartbeat", {"clock": 1, "offline_queue": -1}, key=key)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"


def test_the_gate_api_is_in_the_openapi_schema(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/schema/?format=json")
    paths = json.loads(schema.content)["paths"]
    for path in ("scan", "heartbeat", "whitelist", "offline-uploads", "bindings"):
        assert f"/api/v1/access/{path}" in paths


def test_the_production_entry_point_serves_scans_without_the_middleware_stack(site):
    """Gates call the WSGI application gunicorn runs: the scan path skips sessions and CSRF, same answers."""
    from scenic_ops.core import lean
    from scenic_ops.wsgi import application
    from tests.ticketing.test_lean_wsgi import call

    assert "/api/v1/access/scan" in lean.routes()
    ticket = site.book()
    _info, key = site.device("s-in-1")
    body = json.dumps({"type": "qr", "value": ticket.token, "clock": int(time.time() * 1000)}).encode()
    status, headers, content = call(application, "POST", SCAN, body=body, headers={"HTTP_X_API_KEY": key})
    assert status == 200 and "Set-Cookie" not in headers and "Vary" not in headers
    assert json.loads(content)["reason"] == "admitted"
    status, _headers, content = call(application, "POST", SCAN, body=body, headers={"HTTP_X_API_KEY": key})
    assert status == 200 and json.loads(content)["reason"] == "used"
    status, headers, content = call(application, "POST", SCAN, body=b"{not json", headers={"HTTP_X_API_KEY": key})
    assert status == 400 and json.loads(content)["code"] == "invalid_request"
    status, headers, content = call(application, "POST", SCAN, body=body)
    assert status == 401 and json.loads(content)["code"] == "not_authenticated"
