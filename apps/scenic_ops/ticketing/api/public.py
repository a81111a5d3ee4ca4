"""Public ticketing reads and provider calls: remaining places, the ticket-signing key, payment notifications."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core import lean
from scenic_ops.core.api import error_body
from scenic_ops.core.errors import CoreCode
from scenic_ops.ticketing import selectors, services, tokens
from scenic_ops.ticketing.api.common import date_param, lean_view
from scenic_ops.ticketing.api.schema import ERROR
from scenic_ops.ticketing.errors import TicketingError


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
        data = selectors.availability(date_param(request.GET.get("date")))
        response = Response(data)
        response["Cache-Control"] = "no-store"
        return response


@lean.route("/api/v1/ticketing/availability", when=lambda env: env["REQUEST_METHOD"] == "GET")
@lean_view(AvailabilityView)
def availability(request):
    if request.method != "GET":
        return JsonResponse(error_body(CoreCode.METHOD_NOT_ALLOWED), status=405)
    try:
        body = selectors.availability_json(date_param(request.GET.get("date")))
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
