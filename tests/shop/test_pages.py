"""The shop's pages and API through the Django test client: what a phone buyer goes through."""

import json
from decimal import Decimal

from scenic_ops.shop.models import Order, Shipment
from tests.shop.conftest import PHONE


def _checkout_form(**extra):
    form = {
        "phone": PHONE,
        "contact_name": "王小明",
        "delivery": "ship",
        "region": "江苏省",
        "city": "苏州市",
        "address": "吴中区东山镇紫金路8号",
    }
    form.update(extra)
    return form


def test_browse_add_check_out_pay_and_see_the_order(client, shop, rq_worker, django_capture_on_commit_callbacks):
    home = client.get("/shop/")
    assert home.status_code == 200 and "洞庭山碧螺春" in home.content.decode()
    page = client.get("/shop/p/biluochun/")
    assert page.status_code == 200 and "AGI00011" in page.content.decode()
    assert client.post("/shop/p/biluochun/", {"sku": "blc-250", "quantity": "2"}).status_code == 302
    cart = client.get("/shop/cart/").content.decode()
    assert "250克礼盒" in cart
    quote = client.post("/shop/checkout/", _checkout_form(action="quote"))
    assert quote.status_code == 200 and "576.00" in quote.content.decode()
    placed = client.post("/shop/checkout/", _checkout_form(action="place", seen_total="576.00"))
    assert placed.status_code == 302
    order = Order.objects.get()
    assert placed["Location"] == f"/shop/o/{order.token}/"
    assert client.get("/shop/cart/").content.decode().count('data-testid="cart-item"') == 0
    paying = client.post(f"/shop/o/{order.token}/do", {"action": "pay"})
    assert paying.status_code == 302 and "/shop/pay/sandbox/" in paying["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(paying["Location"], {"outcome": "succeeded"}).status_code == 302
    rq_worker()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    shown = client.get(f"/shop/o/{order.token}/").content.decode()
    assert 'data-status="paid"' in shown
    assert Shipment.objects.get(order=order).status == Shipment.Status.WAITING
    assert 'data-testid="shipment-status"' in shown


def test_a_price_changed_since_the_quote_is_refused_on_the_page(client, shop):
    client.post("/shop/p/biluochun/", {"sku": "blc-250", "quantity": "1"})
    shop.tea.price = Decimal("300")
    shop.tea.save()
    placed = client.post("/shop/checkout/", _checkout_form(action="place", seen_total="288.00"))
    assert placed.status_code == 409
    assert 'data-code="price_changed"' in placed.content.decode()
    assert Order.objects.count() == 0


def test_api_checkout_refuses_bad_input_with_codes(client, shop):
    def post(body):
        return client.post("/api/v1/shop/checkout", json.dumps(body), content_type="application/json")

    base = {"phone": PHONE, "delivery": "pickup", "pickup_point": "gate-shop"}
    for items, code, status in (
        ([{"sku": "fan-1", "quantity": -3}], "invalid_quantity", 400),
        ([{"sku": "fan-1", "quantity": "x"}], "invalid_request", 400),
        ([{"sku": "ghost", "quantity": 1}], "unknown_sku", 404),
        ([{"sku": "fan-1", "quantity": 21}], "too_many_of_one", 400),
    ):
        response = post({**base, "items": items})
        assert response.status_code == status, response.content
        assert response.json()["code"] == code
    assert (
        post({**base, "items": [{"sku": "fan-1", "quantity": 1}], "coupon": "OTHER-SHOP"}).json()["code"]
        == "unknown_coupon"
    )
    assert Order.objects.count() == 0
    ok = post({**base, "items": [{"sku": "fan-1", "quantity": 1}], "expected_total": "39.90"})
    assert ok.status_code == 201, ok.content
    token = ok.json()["token"]
    assert client.get(f"/api/v1/shop/orders/{token}").json()["status"] == "pending"
    assert client.get("/api/v1/shop/orders/nope").status_code == 404
