"""Shop API (`/api/v1/shop/`): the catalogue, quotes and checkout for the phone pages and the kiosk,
the payment provider's notifications, and the carriers' and pick-up scanners' calls.

Errors are the shop's coded errors (`{"code", "detail"}`) with their HTTP status; a refused
request changes nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core import lean
from scenic_ops.core.api import HasScope
from scenic_ops.core.errors import CoreCode, CoreError, DomainError
from scenic_ops.shop import selectors, services
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import Order, ShopPoint


class ItemSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField()
    group_deal = serializers.IntegerField(required=False, allow_null=True)
    group = serializers.CharField(max_length=12, required=False, allow_blank=True)


class VisitorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=30)
    id_type = serializers.CharField(max_length=12, default="resident")
    id_number = serializers.CharField(max_length=30)


class TicketSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=40)
    slot_id = serializers.IntegerField()
    visitors = VisitorSerializer(many=True)


class CheckoutSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)
    items = ItemSerializer(many=True, required=False, default=list)
    tickets = TicketSerializer(many=True, required=False, default=list)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    delivery = serializers.CharField(max_length=8, required=False, default="pickup")
    region = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    pickup_point = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    coupon = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    points = serializers.IntegerField(required=False, default=0)
    expected_total = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    invoice_title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    invoice_tax_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    invoice_email = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    join_or_open = serializers.BooleanField(required=False, default=False)


def _text(data: dict, name: str, limit: int, default: str = "") -> str:
    value = data.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ShopError(Code.INVALID_REQUEST, reason=f"{name}: not a text")
    value = str(value).strip()
    if len(value) > limit:
        raise ShopError(Code.INVALID_REQUEST, reason=f"{name}: at most {limit} characters")
    return value


def _whole(data: dict, name: str, default: int | None = 0) -> int | None:
    value = data.get(name, default)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ShopError(Code.INVALID_REQUEST, reason=f"{name}: not a whole number")


def _list(data: dict, name: str) -> list[dict]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value) or len(value) > 50:
        raise ShopError(Code.INVALID_REQUEST, reason=f"{name}: a list of objects")
    return value


def parse_checkout(data, **extra) -> services.CheckoutRequest:
    """A checkout request from its JSON body (the shapes of `CheckoutSerializer`); bad shapes get
    `invalid_request` naming the field. Quantities and amounts are checked by the checkout itself."""
    if not isinstance(data, dict):
        raise ShopError(Code.INVALID_REQUEST, reason="the body must be a JSON object")
    items = []
    for item in _list(data, "items"):
        quantity = item.get("quantity")
        if isinstance(quantity, str) and not quantity.strip().lstrip("-").isdigit():
            raise ShopError(Code.INVALID_REQUEST, reason="quantity: not a whole number")
        items.append(
            services.ItemIn(
                _text(item, "sku", 40), quantity, _whole(item, "group_deal", None), _text(item, "group", 12)
            )
        )
    tickets = []
    for ticket in _list(data, "tickets"):
        visitors = [
            services.VisitorIn(_text(v, "name", 30), _text(v, "id_type", 12, "resident"), _text(v, "id_number", 30))
            for v in _list(ticket, "visitors")
        ]
        tickets.append(services.TicketIn(_text(ticket, "product", 40), _whole(ticket, "slot_id", None) or 0, visitors))
    expected = data.get("expected_total")
    if expected is not None:
        try:
            expected = Decimal(str(expected))
        except ArithmeticError:
            raise ShopError(Code.INVALID_REQUEST, reason="expected_total: not an amount") from None
        if not expected.is_finite():
            raise ShopError(Code.INVALID_REQUEST, reason="expected_total: not an amount")
    return services.CheckoutRequest(
        phone=_text(data, "phone", 20),
        items=items,
        tickets=tickets,
        contact_name=_text(data, "contact_name", 60),
        delivery=_text(data, "delivery", 8, "pickup"),
        region=_text(data, "region", 20),
        city=_text(data, "city", 30),
        address=_text(data, "address", 200),
        pickup_point=_text(data, "pickup_point", 30),
        coupon=_text(data, "coupon", 30),
        points=_whole(data, "points") or 0,
        expected_total=expected,
        invoice_title=_text(data, "invoice_title", 100),
        invoice_tax_id=_text(data, "invoice_tax_id", 20),
        invoice_email=_text(data, "invoice_email", 100),
        note=_text(data, "note", 200),
        join_or_open=bool(data.get("join_or_open", False)),
        **extra,
    )


def _request(data, **extra) -> services.CheckoutRequest:
    return parse_checkout(data, **extra)


def order_json(order: Order) -> dict:
    return {
        "number": order.number,
        "token": order.token,
        "status": order.status,
        "total": str(order.total),
        "pay_by": order.pay_by.isoformat() if order.pay_by else None,
        "breakdown": order.breakdown,
        "ticket_order": order.ticket_order or None,
        "pickup_code": order.pickup_code if order.status == Order.Status.PAID else None,
        "url": selectors.order_url(order),
        "shipments": [
            {"status": s.status, "carrier": s.carrier, "tracking_number": s.tracking_number, "events": s.events}
            for s in order.shipments.all()
        ],
    }


class QuoteView(APIView):
    """What a cart costs now, step by step (nothing is held)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Price a cart", request=CheckoutSerializer, responses={200: OpenApiTypes.OBJECT}, tags=["shop"]
    )
    def post(self, request):
        return Response(services.quote(_request(request.data)).as_dict())


class CheckoutView(APIView):
    """Place an order: stock, coupon, points, group seat and tickets are held until `pay_by`.

    Served by `checkout` below (a lean endpoint: no middleware stack, no DRF); this class documents it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Check out", request=CheckoutSerializer, responses={201: OpenApiTypes.OBJECT}, tags=["shop"])
    def post(self, request):  # pragma: no cover - the lean function serves the path
        return checkout(request._request)


@lean.route("/api/v1/shop/checkout", when=lambda env: env["REQUEST_METHOD"] == "POST")
@csrf_exempt
def checkout(request):
    """The checkout on one path, the hot one: parse the JSON body, `services.checkout`, the answer."""
    if request.method != "POST":
        return JsonResponse(CoreError(CoreCode.METHOD_NOT_ALLOWED).as_dict(), status=405)
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(CoreError(CoreCode.MALFORMED_JSON).as_dict(), status=400)
    try:
        order = services.checkout(parse_checkout(data, language=translation.get_language() or "zh-hans"))
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(
        {
            "number": order.number,
            "token": order.token,
            "total": str(order.total),
            "pay_by": order.pay_by.isoformat() if order.pay_by else None,
            "status": order.status,
        },
        status=201,
    )


class OrderView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="An order by its token", responses={200: OpenApiTypes.OBJECT}, tags=["shop"])
    def get(self, request, token: str):
        order = selectors.order_for_token(token)
        if order is None:
            raise ShopError(Code.ORDER_NOT_FOUND)
        return Response(order_json(order))


class PayView(APIView):
    """Start paying an order: the provider's cashier address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Start a payment", request=None, responses={200: OpenApiTypes.OBJECT}, tags=["shop"])
    def post(self, request, token: str):
        from django.urls import reverse

        order = selectors.order_for_token(token)
        if order is None:
            raise ShopError(Code.ORDER_NOT_FOUND)
        payment = services.start_payment(order)
        return Response(
            {
                "reference": payment.reference,
                "amount": str(payment.amount),
                "cashier": reverse("shop:sandbox-pay", args=[payment.reference]),
            }
        )


class PaymentNotifyView(APIView):
    """Asynchronous notifications from payment providers for shop payments (signed; replays ignored)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []

    @extend_schema(
        summary="Payment provider notification",
        request=OpenApiTypes.BINARY,
        responses={200: OpenApiTypes.OBJECT},
        tags=["shop"],
    )
    def post(self, request, provider: str):
        outcome = services.handle_notification(provider, request._request.body, request.META)
        return Response({"result": "ok", "outcome": outcome})


class TrackingSerializer(serializers.Serializer):
    order = serializers.CharField(max_length=20)
    carrier = serializers.CharField(max_length=30)
    tracking_number = serializers.CharField(max_length=40)
    status = serializers.CharField(max_length=20, default="shipped")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False)


class TrackingPushView(APIView):
    """A carrier (or the warehouse system) pushes tracking: key scope `shop:logistics`."""

    permission_classes = [HasScope]
    required_scopes = ("shop:logistics",)

    @extend_schema(
        summary="Push a tracking update",
        request=TrackingSerializer,
        responses={200: OpenApiTypes.OBJECT},
        tags=["shop"],
    )
    def post(self, request):
        serializer = TrackingSerializer(data=request.data)
        if not serializer.is_valid():
            field, problems = next(iter(serializer.errors.items()))
            raise ShopError(Code.INVALID_REQUEST, reason=f"{field}: {problems[0]}")
        v = serializer.validated_data
        status = services.logistics_status(v["status"])
        shipment = services.update_tracking(
            v["order"],
            carrier=v["carrier"],
            tracking_number=v["tracking_number"],
            status=status,
            note=v["note"],
            at=v.get("at"),
        )
        return Response({"order": v["order"], "status": shipment.status})


class PickupView(APIView):
    """A pick-up scanner at a shop point redeems a code: key scope `shop:pickup`."""

    permission_classes = [HasScope]
    required_scopes = ("shop:pickup",)

    @extend_schema(
        summary="Redeem a pick-up code",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        tags=["shop"],
    )
    def post(self, request):
        point = ShopPoint.objects.filter(code=str(request.data.get("point", ""))[:30]).first()
        order = services.redeem_pickup(str(request.data.get("code", "")), point=point)
        lines = [
            {"item": line.description, "quantity": line.quantity} for line in order.lines.all() if line.kind == "goods"
        ]
        return Response({"order": order.number, "hand_over": lines, "total": str(order.total or Decimal("0"))})
