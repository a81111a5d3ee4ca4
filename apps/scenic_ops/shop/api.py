"""Shop API (`/api/v1/shop/`): the catalogue, quotes and checkout for the phone pages and the kiosk,
the payment provider's notifications, and the carriers' and pick-up scanners' calls.

Errors are the shop's coded errors (`{"code", "detail"}`) with their HTTP status; a refused
request changes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core.api import HasScope
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


def _request(data: dict, **extra) -> services.CheckoutRequest:
    serializer = CheckoutSerializer(data=data)
    if not serializer.is_valid():
        field, problems = next(iter(serializer.errors.items()))
        raise ShopError(
            Code.INVALID_REQUEST, reason=f"{field}: {problems[0] if isinstance(problems, list) else problems}"
        )
    v = dict(serializer.validated_data)
    items = [services.ItemIn(i["sku"], i["quantity"], i.get("group_deal"), i.get("group", "")) for i in v.pop("items")]
    tickets = [
        services.TicketIn(
            t["product"],
            t["slot_id"],
            [services.VisitorIn(x["name"], x["id_type"], x["id_number"]) for x in t["visitors"]],
        )
        for t in v.pop("tickets")
    ]
    return services.CheckoutRequest(items=items, tickets=tickets, **v, **extra)


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
    """Place an order: stock, coupon, points, group seat and tickets are held until `pay_by`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Check out", request=CheckoutSerializer, responses={201: OpenApiTypes.OBJECT}, tags=["shop"])
    def post(self, request):
        order = services.checkout(_request(request.data, language=getattr(request, "LANGUAGE_CODE", "zh-hans")))
        return Response(
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
