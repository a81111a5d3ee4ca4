"""The ticketing API's documented shapes (drf-spectacular): serializers, parameters, examples.

The hot views parse and render by hand; these classes only describe them in `/api/schema/`.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from scenic_ops.ticketing.models import Order

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
