"""Ticketing over HTTP against a real gunicorn (the Procfile's worker class, the lean WSGI entry):
the path production serves, raced, and kept live across processes."""

from __future__ import annotations

import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from scenic_ops.ticketing import api_auth
from scenic_ops.ticketing.models import Bucket, Order, Ticket
from scenic_ops.ticketing.partners import create_partner
from tests.servers import web_server
from tests.ticketing.conftest import slot_of, valid_id

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ORDERS = "/api/v1/ticketing/partner/orders"


def _send(session, base: str, creds, method: str, path: str, body=None) -> requests.Response:
    raw = json.dumps(body).encode() if body is not None else b""
    stamp, nonce = str(int(time.time())), secrets.token_hex(8)
    headers = {
        "X-Api-Key": creds.api_key,
        "X-Timestamp": stamp,
        "X-Nonce": nonce,
        "X-Signature": api_auth.signature(creds.signing_secret, stamp, nonce, method, path, raw),
        "Content-Type": "application/json",
    }
    return session.request(method, base + path, data=raw, headers=headers, timeout=60)


def _order(slot, i: int, product: str = "entry") -> dict:
    return {
        "external_id": f"RACE-{i}",
        "slot": slot.id,
        "items": [
            {
                "product": product,
                "category": "adult",
                "visitors": [{"name": f"游客{i}", "id_type": "resident", "id_number": valid_id(5000 + i)}],
            }
        ],
    }


def test_1000_partner_orders_over_http_for_200_places_sell_exactly_200(tk):
    creds = create_partner("race", "Race OTA", rate_limit_per_minute=0)
    slot = slot_of()
    statuses: dict[int, int] = {}
    codes: dict[str, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def attempt(i: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        answer = _send(session, base, creds, "POST", ORDERS, _order(slot, i))
        with lock:
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            code = answer.json().get("code", "created") if answer.status_code != 201 else "created"
            codes[code] = codes.get(code, 0) + 1

    with web_server(workers=3, threads=8) as base, ThreadPoolExecutor(max_workers=48) as pool:
        list(pool.map(attempt, range(1000)))
    assert statuses == {201: 200, 409: 800}, (statuses, codes)
    assert codes == {"created": 200, "sold_out": 800}
    assert Ticket.objects.filter(slot=slot).count() == 200 == Order.objects.filter(channel="partner").count()
    slot_bucket = Bucket.objects.get(kind="slot", slot=slot)
    assert (slot_bucket.used, slot_bucket.reserved, slot_bucket.capacity) == (200, 0, 200)


def test_a_product_added_in_the_desk_is_sold_by_every_web_process_within_a_second(tk):
    """Each process keeps the catalogue in memory; a change reaches all of them within a second."""
    from decimal import Decimal

    from django.db import transaction

    from scenic_ops.ticketing import catalog
    from scenic_ops.ticketing.models import Price, Product

    creds = create_partner("live", "Live OTA", rate_limit_per_minute=0)
    slot = slot_of()
    with web_server(workers=2, threads=4) as base:
        session = requests.Session()
        for i in range(8):  # every worker has loaded the catalogue (and refuses the unknown product)
            refused = _send(session, base, creds, "POST", ORDERS, _order(slot, i, product="night"))
            assert refused.status_code == 400 and refused.json()["code"] == "unknown_product"
        with transaction.atomic():  # what the desk's product form does
            night = Product.objects.create(code="night", name="夜游", kind="admission", draws_site_capacity=True)
            Price.objects.create(product=night, category=tk.cats["adult"], day_type="workday", amount=Decimal("80"))
            Price.objects.create(product=night, category=tk.cats["adult"], day_type="weekend", amount=Decimal("80"))
            transaction.on_commit(catalog.invalidate)
        committed = time.monotonic()
        sold = []
        for i in range(100, 104):  # with two workers, at least one request lands on each
            while True:
                answer = _send(session, base, creds, "POST", ORDERS, _order(slot, i, product="night"))
                if answer.status_code == 201 or time.monotonic() - committed > 3:
                    break
                time.sleep(0.02)
            sold.append((answer.status_code, time.monotonic() - committed))
    assert all(status == 201 for status, _after in sold), sold
    assert max(after for _status, after in sold) < 1.0, sold
