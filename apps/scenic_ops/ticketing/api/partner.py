"""The signed partner (OTA) API: products, the price and inventory calendar, orders and refunds.

Partner calls are signed (see `api_auth`). Errors are `{"code", "detail"}` with the codes of
`ticketing/errors.py`. Creating an order is idempotent on the partner's own order id
(`external_id`): a retry gets the first answer (`"replayed": true`), a different order under the
same id is refused (`external_id_conflict`). Create, confirm, cancel and refund also accept an
`Idempotency-Key` header. The create is a lean view (`core.lean`): see docs/adr/0010.
"""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core import idempotency, lean
from scenic_ops.core.api import HasScope, error_body, exception_handler
from scenic_ops.core.errors import CORE_MESSAGES, CoreCode
from scenic_ops.core.idempotency import idempotent
from scenic_ops.ticketing import catalog, remaining, selectors, services
from scenic_ops.ticketing.api.common import date_param, lean_view
from scenic_ops.ticketing.api.schema import (
    ERROR,
    IDEMPOTENCY,
    ORDER_EXAMPLE,
    ORDER_OUT_EXAMPLE,
    SIGNED,
    CreateOrderSerializer,
    OrderOutSerializer,
)
from scenic_ops.ticketing.api_auth import PartnerAuthentication, refusal, verify_request
from scenic_ops.ticketing.booking import GuardRefused
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Channel, Order

MAX_CALENDAR_DAYS = 90


def booking_json(booking: services.Booking) -> dict:
    return {
        "order": booking.number,
        "external_id": booking.external_id,
        "status": booking.status,
        "total": str(booking.total),
        "visit_date": booking.visit_date.isoformat(),
        "slot": {"id": booking.slot_id, "start": booking.start.strftime("%H:%M"), "end": booking.end.strftime("%H:%M")},
        "hold_expires_at": booking.hold_expires_at.isoformat() if booking.hold_expires_at else None,
        "replayed": booking.replayed,
        "tickets": [
            {
                "code": t.code,
                "token": t.token,
                "product": t.product,
                "category": t.category,
                "price": str(t.price),
                "name": t.name_masked,
                "id_number": t.id_number_masked,
                "check_document": t.check_document,
            }
            for t in booking.tickets
        ],
    }


def order_json(order: Order) -> dict:
    data = booking_json(services.describe(order))
    statuses = dict(order.tickets.values_list("code", "status"))
    for ticket in data["tickets"]:
        ticket["status"] = statuses.get(ticket["code"], "")
    data["refunded_amount"] = str(order.refunded_amount)
    return data


def parse_booking(data, partner) -> services.BookingRequest:
    """The create-order body, checked by hand (cheaper than a serializer on the hot path)."""
    if not isinstance(data, dict):
        raise TicketingError(Code.INVALID_REQUEST, reason="a JSON object is expected")
    external_id = data.get("external_id")
    if not isinstance(external_id, str) or not 1 <= len(external_id) <= 64:
        raise TicketingError(Code.INVALID_REQUEST, reason="external_id (1–64 characters) is required")
    slot = data.get("slot")
    if not isinstance(slot, int) or isinstance(slot, bool):
        raise TicketingError(Code.INVALID_REQUEST, reason="slot must be a time slot id")
    items_in = data.get("items")
    if not isinstance(items_in, list) or not items_in:
        raise TicketingError(Code.INVALID_REQUEST, reason="items must be a non-empty list")
    items = []
    for raw in items_in:
        if not isinstance(raw, dict) or not isinstance(raw.get("visitors"), list):
            raise TicketingError(Code.INVALID_REQUEST, reason="each item needs product, category and visitors")
        visitors = []
        for v in raw["visitors"]:
            if not isinstance(v, dict):
                raise TicketingError(Code.INVALID_REQUEST, reason="visitor must be an object")
            visitors.append(
                services.VisitorIn(
                    str(v.get("name", "")),
                    str(v.get("id_type", "")),
                    str(v.get("id_number", "")),
                    str(v.get("phone") or ""),
                )
            )
        items.append(
            services.ItemIn(str(raw.get("product", "")), str(raw.get("category", "")), visitors, raw.get("quantity"))
        )
    contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
    confirm = data.get("confirm", partner.prepaid)
    if confirm and not partner.prepaid:
        confirm = False  # a partner that does not settle on account confirms after payment
    return services.BookingRequest(
        slot_id=slot,
        items=items,
        channel=Channel.PARTNER,
        contact_name=str(contact.get("name") or ""),
        contact_phone=str(contact.get("phone") or ""),
        partner=partner.ref,
        external_id=external_id,
        confirm=bool(confirm),
        payment_method=Order.PaymentMethod.ACCOUNT if confirm else "",
    )


class PartnerView(APIView):
    authentication_classes = [PartnerAuthentication]
    permission_classes = [HasScope]
    parser_classes = [JSONParser]

    @staticmethod
    def partner(request):
        partner = getattr(request, "partner", None)
        if partner is None:
            raise TicketingError(Code.PARTNER_INACTIVE)
        return partner

    def order(self, request, number: str) -> Order:
        partner = self.partner(request)
        order = Order.objects.filter(number=number, partner_id=partner.id).first()
        if order is None:
            order = Order.objects.filter(external_id=number, partner_id=partner.id).first()
        if order is None:
            raise TicketingError(Code.ORDER_NOT_FOUND)
        return order


class ProductsView(PartnerView):
    required_scopes = ("ticketing:read",)

    @extend_schema(
        summary="Products, price categories and eligibility",
        parameters=SIGNED,
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Products",
                response_only=True,
                value={
                    "products": [
                        {
                            "code": "entry",
                            "name": "门票",
                            "kind": "admission",
                            "refundable": True,
                            "refund_deadline_hours": 2,
                            "refund_fee_percent": "10.00",
                            "categories": [
                                {"code": "senior", "name": "老年人", "min_age": 60, "max_age": None, "document": ""}
                            ],
                        }
                    ]
                },
            )
        ],
        tags=["partner"],
    )
    def get(self, request):
        partner = self.partner(request)
        cat = catalog.get()
        out = []
        for p in sorted(cat.products.values(), key=lambda p: (p.sort_order, p.code)):
            if not p.active or (partner.products and p.id not in partner.products):
                continue
            out.append(
                {
                    "code": p.code,
                    "name": p.name,
                    "name_en": p.name_en,
                    "kind": p.kind,
                    "bundle_of": [cat.products[c].code for c in p.components if c in cat.products],
                    "per_id_limit_per_day": p.id_limit,
                    "refundable": p.refundable,
                    "refund_deadline_hours": p.refund_deadline_hours,
                    "refund_fee_percent": str(p.refund_fee_percent),
                    "categories": [
                        {
                            "code": c.code,
                            "name": c.name,
                            "name_en": c.name_en,
                            "min_age": c.min_age,
                            "max_age": c.max_age,
                            "document": c.document_label,
                            "group_only": c.group_only,
                        }
                        for c in cat.categories_for(p)
                        if c.active
                    ],
                }
            )
        return Response({"products": out})


class CalendarView(PartnerView):
    required_scopes = ("ticketing:read",)

    @extend_schema(
        summary="Price and inventory calendar",
        parameters=[
            *SIGNED,
            OpenApiParameter("start", OpenApiTypes.DATE, description="Default: today"),
            OpenApiParameter("days", int, description="1–90, default 30"),
            OpenApiParameter("product", str, description="One product code"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Calendar",
                response_only=True,
                value={
                    "days": [
                        {
                            "date": "2026-05-01",
                            "status": "open",
                            "day_type": "holiday",
                            "products": {"entry": {"remaining": 1650, "prices": {"adult": "120.00"}}},
                        }
                    ]
                },
            )
        ],
        tags=["partner"],
    )
    def get(self, request):
        start = date_param(request.GET.get("start"), default=timezone.localdate())
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_CALENDAR_DAYS:
            raise TicketingError(Code.INVALID_REQUEST, reason=f"days must be 1–{MAX_CALENDAR_DAYS}")
        return Response({"days": selectors.price_calendar(start, days, product_code=request.GET.get("product"))})


class OrdersView(PartnerView):
    """Documents `partner_orders` (POST, which serves the URL on every request) and answers GET."""

    required_scopes = ("ticketing:book",)

    @extend_schema(
        summary="Create an order (hold, or confirmed for prepaid partners)",
        description="Idempotent on `external_id`: repeating a create returns the first order with "
        "`replayed: true` (HTTP 200); the same `external_id` with another order (other visitors, "
        "products or slot) is refused with 409 `external_id_conflict`. Every ticket is real-name; ID "
        "numbers are validated (GB 11643 for resident ID cards) and per-ID limits apply across all channels.",
        parameters=[*SIGNED, IDEMPOTENCY],
        request=CreateOrderSerializer,
        responses={201: OrderOutSerializer, 200: OrderOutSerializer, 400: ERROR, 401: ERROR, 409: ERROR, 429: ERROR},
        examples=[
            OpenApiExample("Create", value=ORDER_EXAMPLE, request_only=True),
            OpenApiExample("Created", value=ORDER_OUT_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample(
                "Sold out",
                value={"code": "sold_out", "detail": "Sold out: this time slot is full."},
                response_only=True,
                status_codes=["409"],
            ),
        ],
        tags=["partner"],
    )
    def post(self, request):
        return partner_orders(request._request)

    @extend_schema(
        summary="Find an order by the partner's order id",
        parameters=[*SIGNED, OpenApiParameter("external_id", str, required=True)],
        responses={200: OrderOutSerializer, 404: ERROR},
        tags=["partner"],
    )
    def get(self, request):
        external_id = request.GET.get("external_id", "")
        return Response(order_json(self.order(request, external_id)))


_orders_get = OrdersView.as_view()


@lean.route("/api/v1/ticketing/partner/orders", when=lambda env: env["REQUEST_METHOD"] == "POST")
@lean_view(OrdersView)
def partner_orders(request):
    """The partner's create — every one, with or without an Idempotency-Key — on one path: signed
    request, one Redis round trip (nonce, rate limit, pending places), one MariaDB round trip.
    GET (find an order) is the DRF view."""
    if request.method != "POST":
        return _orders_get(request)
    try:
        key, partner, guard = verify_request(request, defer_guard=True)
        if "ticketing:book" not in key.scopes and "*" not in key.scopes:
            message = str(CORE_MESSAGES[CoreCode.SCOPE_MISSING]).format(scope="ticketing:book")
            return JsonResponse(error_body(CoreCode.SCOPE_MISSING, message), status=403)
        if request.content_type != "application/json":
            return JsonResponse(error_body(CoreCode.UNSUPPORTED_MEDIA_TYPE), status=415)
        try:
            data = json.loads(request.body)
        except ValueError:
            return JsonResponse(error_body(CoreCode.MALFORMED_JSON), status=400)
        idempotency_key = request.META.get(idempotency.HEADER)
        if idempotency_key is None:
            return _create(data, partner, guard)
        result = idempotency.guarded(
            scope=f"key:{key.pk}",
            key=idempotency_key,
            fingerprint=idempotency.fingerprint_of(request.method, request.path, data),
            work=lambda: _create(data, partner, guard),
            status_of=lambda response: response.status_code,
            body_of=lambda response: json.loads(response.content),
        )
        if isinstance(result, idempotency.Stored):
            replay = JsonResponse(result.body, status=result.status)
            replay["Idempotent-Replayed"] = "true"
            return replay
        return result
    except Exception as exc:  # noqa: BLE001 - mapped exactly as the DRF views map them
        return _error_response(exc)


def _create(data, partner, guard) -> JsonResponse:
    try:
        booking = services.book(parse_booking(data, partner), guard=guard)
    except GuardRefused as exc:
        return _error_response(refusal(exc.outcome))
    except TicketingError as exc:
        if remaining.check(guard) in ("replayed", "rate_limited"):
            return _error_response(refusal(guard.outcome))
        return _error_response(exc)
    return JsonResponse(booking_json(booking), status=200 if booking.replayed else 201)


def _error_response(exc: Exception) -> JsonResponse:
    response = exception_handler(exc, {})
    if response is None:
        raise exc
    out = JsonResponse(response.data, status=response.status_code)
    for header in ("Retry-After", "WWW-Authenticate"):
        if header in response:
            out[header] = response[header]
    if out.status_code == 401 and "WWW-Authenticate" not in out:
        out["WWW-Authenticate"] = "ApiKey"
    return out


class OrderView(PartnerView):
    required_scopes = ("ticketing:read",)

    @extend_schema(
        summary="Order status, tickets and their use",
        parameters=SIGNED,
        responses={200: OrderOutSerializer, 404: ERROR},
        tags=["partner"],
    )
    def get(self, request, number: str):
        return Response(order_json(self.order(request, number)))


class OrderConfirmView(PartnerView):
    required_scopes = ("ticketing:book",)

    @extend_schema(
        summary="Confirm a held order (the partner collected the payment)",
        parameters=[*SIGNED, IDEMPOTENCY],
        request=None,
        responses={200: OrderOutSerializer, 409: ERROR},
        tags=["partner"],
    )
    @idempotent
    def post(self, request, number: str):
        order = self.order(request, number)
        if order.status == Order.Status.HELD and order.hold_expires_at and order.hold_expires_at <= timezone.now():
            raise TicketingError(Code.HOLD_EXPIRED)
        result = services.confirm_paid(order.id, method=Order.PaymentMethod.ACCOUNT)
        if result.outcome not in ("confirmed", "already"):
            raise TicketingError(Code.HOLD_EXPIRED if result.outcome == "refund_needed" else Code.ORDER_NOT_HELD)
        order.refresh_from_db()
        return Response(order_json(order))


class OrderCancelView(PartnerView):
    required_scopes = ("ticketing:book",)

    @extend_schema(
        summary="Cancel an order (a confirmed one is refunded in full under the refund rules)",
        parameters=[*SIGNED, IDEMPOTENCY],
        request=None,
        responses={200: OrderOutSerializer, 409: ERROR},
        tags=["partner"],
    )
    @idempotent
    def post(self, request, number: str):
        order = services.cancel_order(self.order(request, number), reason="partner cancel")
        return Response(order_json(order))


class OrderRefundView(PartnerView):
    required_scopes = ("ticketing:book",)

    @extend_schema(
        summary="Refund some tickets of an order",
        parameters=[*SIGNED, IDEMPOTENCY],
        request=inline_serializer("RefundIn", {"tickets": serializers.ListField(child=serializers.CharField())}),
        responses={200: OpenApiTypes.OBJECT, 409: ERROR},
        examples=[OpenApiExample("Refund one ticket", value={"tickets": ["8K2M4Q7T9X1A"]}, request_only=True)],
        tags=["partner"],
    )
    @idempotent
    def post(self, request, number: str):
        codes = request.data.get("tickets") if isinstance(request.data, dict) else None
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            raise TicketingError(Code.INVALID_REQUEST, reason="tickets must be a list of ticket codes")
        order = self.order(request, number)
        refund = services.refund_tickets(order, codes, reason="partner refund")
        order.refresh_from_db()
        return Response(
            {"refund": refund.pk, "amount": str(refund.amount), "fee": str(refund.fee), "order": order_json(order)}
        )
