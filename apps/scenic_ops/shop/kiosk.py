"""The kiosk and counter (POS) page of one shop point: a touch screen selling that point's own stock.

Tiles add goods to the screen's cart (kept in the session, per point); paying places a kiosk
order through the same `services.checkout` as the phone shop (the point's stock, conditional
decrements, the same prices and coupons), then shows the provider's cashier as a QR code for
the buyer's phone. The page refreshes until the payment lands and then prints the receipt.
A phone number is optional here: without one the sale is the point's walk-in customer's.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from scenic_ops.core import qr
from scenic_ops.core.visitor import visitor_page
from scenic_ops.shop import selectors, services
from scenic_ops.shop.errors import ShopError
from scenic_ops.shop.models import Order, ShopPoint, Stock


def _point(code: str) -> ShopPoint:
    point = ShopPoint.objects.filter(code=code, active=True).exclude(kind=ShopPoint.Kind.WAREHOUSE).first()
    if point is None:
        raise Http404
    return point


def _key(point: ShopPoint) -> str:
    return f"shop_kiosk_{point.code}"


@never_cache
@require_http_methods(["GET", "POST"])
@visitor_page
def kiosk(request, point: str):
    point = _point(point)
    basket: dict[str, int] = dict(request.session.get(_key(point), {}))
    stocks = list(
        Stock.objects.filter(point=point, sku__active=True, sku__product__active=True)
        .select_related("sku", "sku__product")
        .order_by("sku__product__sort", "sku__code")
    )
    by_code = {s.sku.code: s for s in stocks}
    error = ""
    if request.method == "POST":
        action, code = request.POST.get("action", ""), request.POST.get("sku", "")
        if action == "add" and code in by_code:
            basket[code] = min(99, basket.get(code, 0) + 1)
        elif action == "less" and code in basket:
            basket[code] -= 1
            if basket[code] <= 0:
                basket.pop(code)
        elif action == "clear":
            basket = {}
        elif action == "pay" and basket:
            try:
                order = services.checkout(
                    services.CheckoutRequest(
                        phone=request.POST.get("phone", "").strip(),
                        items=[services.ItemIn(c, q) for c, q in basket.items()],
                        delivery="pickup",
                        channel=Order.Channel.KIOSK,
                        channel_point=point.code,
                        coupon=request.POST.get("coupon", ""),
                        expected_total=request.POST.get("seen_total") or None,
                    )
                )
                services.start_payment(order)
            except ShopError as exc:
                error = exc.detail
            else:
                request.session[_key(point)] = {}
                return redirect("shop:kiosk-order", point=point.code, token=order.token)
        if not error:
            request.session[_key(point)] = basket
            return redirect("shop:kiosk", point=point.code)
    lines = [
        {"stock": by_code[c], "quantity": q, "total": by_code[c].sku.price * q}
        for c, q in basket.items()
        if c in by_code
    ]
    total = None
    if basket:
        try:
            total = services.quote(
                services.CheckoutRequest(
                    phone="",
                    items=[services.ItemIn(c, q) for c, q in basket.items()],
                    delivery="pickup",
                    channel=Order.Channel.KIOSK,
                    channel_point=point.code,
                )
            ).total
        except ShopError as exc:
            error = error or exc.detail
    return render(
        request,
        "shop/kiosk.html",
        {"point": point, "stocks": stocks, "lines": lines, "total": total, "error": error},
        status=400 if error and request.method == "POST" else 200,
    )


@never_cache
@require_GET
@visitor_page
def kiosk_order(request, point: str, token: str):
    point = _point(point)
    order = selectors.order_for_token(token)
    if order is None or order.pickup_point_id != point.pk:
        raise Http404
    payment = order.payments.order_by("-id").first()
    return render(request, "shop/kiosk_order.html", {"point": point, "order": order, "payment": payment})


@require_GET
def kiosk_pay_qr(request, point: str, token: str):
    """The cashier address of the order's payment as a QR code, for the buyer's phone camera."""
    order = selectors.order_for_token(token)
    payment = order.payments.order_by("-id").first() if order else None
    if payment is None:
        raise Http404
    url = request.build_absolute_uri(reverse("shop:sandbox-pay", args=[payment.reference]))
    return qr.png_response(url)
