"""The member page: sign in with the SMS code, see orders, points and coupons."""

import re

from scenic_ops.core.models import OutboxMessage
from tests.shop.conftest import cart, pay


def test_member_signs_in_by_sms_code_and_sees_orders_points_and_coupons(client, shop):
    from scenic_ops.shop import services

    order = services.checkout(cart(("fan-1", 1)))
    pay(order)
    page = client.get("/shop/me/")
    assert page.status_code == 200 and 'data-testid="member-send"' in page.content.decode()
    sent = client.post("/shop/me/", {"action": "send", "phone": "13800138000"})
    assert sent.status_code == 200 and 'data-testid="member-code"' in sent.content.decode()
    code = re.search(r"\d{6}", OutboxMessage.objects.latest("id").body).group(0)
    wrong = client.post(
        "/shop/me/", {"action": "check", "phone": "13800138000", "code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert client.post("/shop/me/", {"action": "check", "phone": "13800138000", "code": code}).status_code == 302
    me = client.get("/shop/me/").content.decode()
    assert order.number in me and 'data-testid="points"' in me
    assert "13800138000" not in me  # the phone only masked
    other = client.get(f"/shop/o/{order.token}/").content.decode()
    assert order.number in other
