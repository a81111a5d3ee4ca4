"""The production WSGI entry point serves the hot ticketing paths without the middleware stack."""

import io
import json
import secrets
import time

from django.core import signals
from django.db import close_old_connections

from scenic_ops.core import lean
from scenic_ops.ticketing import api_auth
from scenic_ops.ticketing.models import Order
from scenic_ops.ticketing.partners import create_partner
from tests.ticketing.conftest import slot_of
from tests.ticketing.test_partner_api import order_body


def call(app, method, path, *, query="", body=b"", headers=None):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **(headers or {}),
    }
    seen = {}

    def start_response(status, response_headers):
        seen["status"], seen["headers"] = status, dict(response_headers)

    # As Django's test client does: inside the test's transaction, do not recycle the connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = app(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(seen["status"].split()[0]), seen["headers"], content


def test_hot_paths_are_registered_and_served_lean(tk, django_capture_on_commit_callbacks):
    from scenic_ops.wsgi import application

    assert {"/api/v1/ticketing/availability", "/api/v1/ticketing/partner/orders"} <= set(lean.routes())
    slot = slot_of()
    status, headers, content = call(application, "GET", "/api/v1/ticketing/availability", query=f"date={slot.date}")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers and "Vary" not in headers  # no session, no locale middleware
    assert json.loads(content)["status"] == "open"
    creds = create_partner("lean", "Lean OTA")
    body = json.dumps(order_body(slot)).encode()
    ts, nonce = str(int(time.time())), secrets.token_hex(8)
    sig = api_auth.signature(creds.signing_secret, ts, nonce, "POST", "/api/v1/ticketing/partner/orders", body)
    signed = {"HTTP_X_API_KEY": creds.api_key, "HTTP_X_TIMESTAMP": ts, "HTTP_X_NONCE": nonce, "HTTP_X_SIGNATURE": sig}
    status, _h, content = call(application, "POST", "/api/v1/ticketing/partner/orders", body=body, headers=signed)
    assert status == 201, content
    assert Order.objects.get().number == json.loads(content)["order"]
    status, headers, content = call(application, "POST", "/api/v1/ticketing/partner/orders", body=body)
    assert status == 401 and json.loads(content)["code"] == "not_authenticated"
    bad_host = call(application, "GET", "/api/v1/ticketing/availability", query="date=x", headers={"HTTP_HOST": "evil"})
    assert bad_host[0] == 400
    en = call(
        application, "GET", "/api/v1/ticketing/availability", query="date=x", headers={"HTTP_ACCEPT_LANGUAGE": "en"}
    )
    assert en[0] == 400 and "not valid" in json.loads(en[2])["detail"]
    # Everything else goes through the full stack as before.
    status, headers, _c = call(application, "GET", "/book/")
    assert status == 200 and "Vary" in headers
