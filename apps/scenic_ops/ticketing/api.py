"""Ticketing API (`/api/v1/ticketing/`): remaining places, the partner (OTA) API, gate keys, payments.

Partner calls are signed (see `api_auth`). Errors are `{"code", "detail"}` with the codes of
`ticketing/errors.py`. Creating an order is idempotent on the partner's own order id
(`external_id`): an OTA retrying a create gets the first answer (`"replayed": true`);
create, confirm, cancel and refund also accept an `Idempotency-Key` header.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core import lean
from scenic_ops.core.api import HasScope, error_body, exception_handler
from scenic_ops.core.errors import CORE_MESSAGES, CoreCode
from scenic_ops.core.idempotency import idempotent
from scenic_ops.ticketing import catalog, remaining, selectors, services, tokens
from scenic_ops.ticketing.api_auth import PartnerAuthentication, refusal, verify_request
from scenic_ops.ticketing.booking import GuardRefused
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Channel, Order

MAX_CALENDAR_DAYS = 90

SIGNED = [
    OpenApiParameter("X-Api-Key", str, OpenApiParameter.HEADER, required=True, description="The partner's API key."),
    OpenApiParameter("X-Timestamp", int, OpenApiParameter.HEADER, required=True, description="Unix time (seconds)."),
    OpenApiParameter(
        "X-Nonce", str, OpenApiParameter.HEADER, required=True, description="8–64 characters, unique per request."
    ),
    OpenApiParameter(
        "X-Signature",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="hex HMAC-SHA256 with the partner's signing secret over "
        "`<timestamp>\\n<nonce>\\n<METHOD>\\n<path with query>\\n<raw body>`.",
    ),
]
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description="Repeat-safe key (1–128 characters)."
)
ERROR = inline_serializer("TicketingError", {"code": serializers.CharField(), "detail": serializers.CharField()})


def _date(value: str | None, *, default: dt.date | None = None) -> dt.date:
    if not value:
        if default is None:
            raise TicketingError(Code.INVALID_REQUEST, reason="date")
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise TicketingError(Code.INVALID_REQUEST, reason="date must be YYYY-MM-DD") from None


# --- shapes for the schema (the hot views parse by hand) ----------------------------------------------
class VisitorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    id_type = serializers.ChoiceField(choices=["resident", "permit", "passport", "hkmo", "tw"])
    id_number = serializers.CharField(max_length=20)
    phone = serializers.CharField(required=False, allow_blank=True)


class ItemSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="Product code")
    category = serializers.CharField(help_text="Price category code")
    quantity = serializers.IntegerField(required=False, help_text="Defaults to the number of visitors")
    visitors = VisitorSerializer(many=True)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)


class CreateOrderSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="The partner's own order id: makes create idempotent")
    slot = serializers.IntegerField(help_text="Time slot id, from /availability")
    confirm = serializers.BooleanField(
        required=False, help_text="Prepaid partners: confirm at once (default true); others get a hold"
    )
    contact = ContactSerializer(required=False)
    items = ItemSerializer(many=True)


class TicketOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    token = serializers.CharField(help_text="Signed token (the QR content), verifiable with /keys")
    product = serializers.CharField()
    category = serializers.CharField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)
    name = serializers.CharField(help_text="masked")
    id_number = serializers.CharField(help_text="masked")
    check_document = serializers.CharField()
    status = serializers.CharField(required=False)


class OrderOutSerializer(serializers.Serializer):
    order = serializers.CharField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=[c for c, _ in Order.Status.choices])
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    visit_date = serializers.DateField()
    slot = inline_serializer("SlotRef", {"id": serializers.IntegerField(), "start": serializers.CharField()})
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    replayed = serializers.BooleanField()
    tickets = TicketOutSerializer(many=True)


ORDER_EXAMPLE = {
    "external_id": "CTRIP-2026050112345",
    "slot": 1234,
    "confirm": True,
    "contact": {"name": "张三", "phone": "13800138000"},
    "items": [
        {
            "product": "entry",
            "category": "adult",
            "visitors": [{"name": "张三", "id_type": "resident", "id_number": "110101199003071234"}],
        }
    ],
}
ORDER_OUT_EXAMPLE = {
    "order": "260501K7Q2M9XZ",
    "external_id": "CTRIP-2026050112345",
    "status": "confirmed",
    "total": "100.00",
    "visit_date": "2026-05-01",
    "slot": {"id": 1234, "start": "09:00", "end": "10:00"},
    "hold_expires_at": None,
    "replayed": False,
    "tickets": [
        {
            "code": "8K2M4Q7T9X1A",
            "token": "SO1.OEsyTTRRN1Q5WDFBfDIwMjYwNTAxfDA5MDAtMTAwMHxlbnRyeXxhZHVsdHwxfDNhNmYwYzJk.Qm9n…",
            "product": "entry",
            "category": "adult",
            "price": "100.00",
            "name": "张*",
            "id_number": "1101**********1234",
            "check_document": "",
        }
    ],
}


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


# --- public reads ---------------------------------------------------------------------------------
class AvailabilityView(APIView):
    """Remaining places per time slot on one day (what visitors and partners poll)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Remaining places per time slot",
        description="Live: never shows more places than really remain. Statuses: open, sold_out, closed, past; "
        "a day without slots is `unavailable`.",
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses={200: OpenApiTypes.OBJECT, 400: ERROR},
        examples=[
            OpenApiExample(
                "A day",
                response_only=True,
                value={
                    "date": "2026-05-01",
                    "status": "open",
                    "remaining": 1650,
                    "note": "",
                    "slots": [
                        {
                            "id": 1234,
                            "start": "09:00",
                            "end": "10:00",
                            "remaining": 180,
                            "status": "open",
                            "products": {"entry": 180, "cable": 36, "entry-cable": 36},
                        }
                    ],
                },
            )
        ],
        tags=["ticketing"],
    )
    def get(self, request):
        data = selectors.availability(_date(request.GET.get("date")))
        response = Response(data)
        response["Cache-Control"] = "no-store"
        return response


def lean_view(documented_by: type[APIView]):
    """Serve a hot endpoint with a plain Django function; drf-spectacular still documents `documented_by`.

    DRF's request wrapping, negotiation and rendering cost more than the call itself here. Served
    through `scenic_ops.wsgi` these paths also skip the middleware stack (`core.lean`).
    """

    def wrap(func):
        func.cls = documented_by
        func.initkwargs = {}
        return csrf_exempt(func)

    return wrap


@lean.route("/api/v1/ticketing/availability", when=lambda env: env["REQUEST_METHOD"] == "GET")
@lean_view(AvailabilityView)
def availability(request):
    if request.method != "GET":
        return JsonResponse(error_body(CoreCode.METHOD_NOT_ALLOWED), status=405)
    try:
        body = selectors.availability_json(_date(request.GET.get("date")))
    except TicketingError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class PublicKeyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Ticket-signing public key (for gates verifying QR tokens offline)",
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Key",
                response_only=True,
                value={
                    "algorithm": "Ed25519",
                    "kid": "3a6f0c2d",
                    "public_key": "base64 of 32 bytes",
                    "pem": "-----BEGIN…",
                },
            )
        ],
        tags=["ticketing"],
    )
    def get(self, request):
        return Response(
            {
                "algorithm": "Ed25519",
                "kid": tokens.key_id(),
                "public_key": tokens.public_key_b64(),
                "pem": tokens.public_key_pem(),
                "format": "SO1.<base64url payload>.<base64url signature over 'SO1.<payload>'>",
            }
        )


class PaymentNotifyView(APIView):
    """Asynchronous notifications from payment providers (signed; replays are ignored)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []

    @extend_schema(
        summary="Payment provider notification",
        request=OpenApiTypes.BINARY,
        responses={200: OpenApiTypes.OBJECT, 400: ERROR},
        tags=["payments"],
    )
    def post(self, request, provider: str):
        outcome = services.handle_notification(provider, request._request.body, request.META)
        return Response({"result": "ok", "outcome": outcome})


# --- partner API ----------------------------------------------------------------------------------
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
        start = _date(request.GET.get("start"), default=timezone.localdate())
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_CALENDAR_DAYS:
            raise TicketingError(Code.INVALID_REQUEST, reason=f"days must be 1–{MAX_CALENDAR_DAYS}")
        return Response({"days": selectors.price_calendar(start, days, product_code=request.GET.get("product"))})


class OrdersView(PartnerView):
    required_scopes = ("ticketing:book",)
    defer_guard = True

    @extend_schema(
        summary="Create an order (hold, or confirmed for prepaid partners)",
        description="Idempotent on `external_id`: repeating a create returns the first order with "
        "`replayed: true` (HTTP 200). Every ticket is real-name; ID numbers are validated (GB 11643 for "
        "resident ID cards) and per-ID limits apply across all channels.",
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
    @idempotent
    def post(self, request):
        guard = getattr(request, "partner_guard", None)
        try:
            booking = services.book(parse_booking(request.data, self.partner(request)), guard=guard)
        except GuardRefused as exc:
            raise refusal(exc.outcome) from None
        except TicketingError:
            if guard is not None and remaining.check(guard) in ("replayed", "rate_limited"):
                raise refusal(guard.outcome) from None
            raise
        return Response(booking_json(booking), status=200 if booking.replayed else 201)

    @extend_schema(
        summary="Find an order by the partner's order id",
        parameters=[*SIGNED, OpenApiParameter("external_id", str, required=True)],
        responses={200: OrderOutSerializer, 404: ERROR},
        tags=["partner"],
    )
    def get(self, request):
        external_id = request.GET.get("external_id", "")
        return Response(order_json(self.order(request, external_id)))


_orders_drf = OrdersView.as_view()


@lean.route(
    "/api/v1/ticketing/partner/orders",
    when=lambda env: env["REQUEST_METHOD"] == "POST" and "HTTP_IDEMPOTENCY_KEY" not in env,
)
@lean_view(OrdersView)
def partner_orders(request):
    """The hot path of the partner API: create an order without DRF's per-request machinery.

    GET, and creates sent with an Idempotency-Key, go through the DRF view (same behaviour).
    """
    if request.method != "POST" or "HTTP_IDEMPOTENCY_KEY" in request.META:
        return _orders_drf(request)
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
        try:
            booking = services.book(parse_booking(data, partner), guard=guard)
        except GuardRefused as exc:
            raise refusal(exc.outcome) from None
        except TicketingError:
            if remaining.check(guard) in ("replayed", "rate_limited"):
                raise refusal(guard.outcome) from None
            raise
    except Exception as exc:  # noqa: BLE001 - mapped exactly as the DRF views map them
        response = exception_handler(exc, {})
        if response is None:
            raise
        out = JsonResponse(response.data, status=response.status_code)
        for header in ("Retry-After", "WWW-Authenticate"):
            if header in response:
                out[header] = response[header]
        if out.status_code == 401 and "WWW-Authenticate" not in out:
            out["WWW-Authenticate"] = "ApiKey"
        return out
    return JsonResponse(booking_json(booking), status=200 if booking.replayed else 201)


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
