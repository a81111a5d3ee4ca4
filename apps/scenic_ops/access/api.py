"""Gate API (`/api/v1/access/`): validate a scan, heartbeats, the offline whitelist and uploads, bindings.

Every call carries the gate device's own API key (`X-Api-Key`, scope `gate:validate`),
issued when the device is added in the desk. The scan endpoint is the hot path: it is a
plain Django view (no DRF request wrapping, parsing or negotiation), served without the
middleware stack (`core.lean`); it reads the device configuration from a per-process cache.
The DRF class below only documents it.

A refused scan is a normal answer (HTTP 200, `"admit": false` with a stable `reason`);
errors (HTTP 4xx, `{"code", "detail"}`) mean the request itself is wrong: no or unknown
key (401 `invalid_api_key`), a key that is not a gate device's, a gate clock far off
(400 `gate_clock_off`), a body that is not JSON.
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.access import answers, config, offline, services
from scenic_ops.access.errors import AccessCode, AccessError
from scenic_ops.core import apikeys, lean
from scenic_ops.core.api import HasScope, error_body
from scenic_ops.core.errors import CORE_MESSAGES, CoreCode

_JSON = {"ensure_ascii": False}


def _error(code: str, status: int, detail=None, **extra) -> JsonResponse:
    body = error_body(code, detail if detail is not None else CORE_MESSAGES.get(code, code), **extra)
    response = JsonResponse(body, status=status, json_dumps_params=_JSON)
    if status == 401:
        response["WWW-Authenticate"] = "ApiKey"
    return response


def _domain_error(exc: AccessError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params=_JSON)


def device_of(request, scope: str = services.SCOPE):
    """(device, None) for a gate device's key, else (None, error response). Cached: no query per request."""
    secret = apikeys.secret_from_request(request)
    if secret is None:
        return None, _error(CoreCode.NOT_AUTHENTICATED, 401)
    key = apikeys.verify(secret)
    if key is None:
        return None, _error(CoreCode.INVALID_API_KEY, 401)
    if scope not in key.scopes and "*" not in key.scopes:
        return None, _error(CoreCode.SCOPE_MISSING, 403, str(CORE_MESSAGES[CoreCode.SCOPE_MISSING]).format(scope=scope))
    wait = apikeys.over_rate_limit(key)
    if wait:
        response = _error(
            CoreCode.RATE_LIMITED, 429, str(CORE_MESSAGES[CoreCode.RATE_LIMITED]).format(retry_after=wait)
        )
        response["Retry-After"] = str(wait)
        return None, response
    device = config.device_for_key(key.pk)
    if device is None:
        return None, _domain_error(AccessError(AccessCode.NOT_A_GATE_DEVICE))
    if not device.active:
        return None, _domain_error(AccessError(AccessCode.DEVICE_INACTIVE, device=device.code))
    return device, None


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise AccessError(AccessCode.INVALID_REQUEST, reason="the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise AccessError(AccessCode.INVALID_REQUEST, reason="the body must be a JSON object")
    return data


def _clock(data: dict) -> dt.datetime | None:
    value = data.get("clock")
    if value is None:
        return None
    parsed = offline._parse_at(value)
    if parsed is None:
        raise AccessError(
            AccessCode.INVALID_REQUEST, reason="clock must be unix time (s or ms) or ISO 8601 with offset"
        )
    return parsed


@lean.route("/api/v1/access/scan", when=lambda env: env["REQUEST_METHOD"] == "POST")
def scan_endpoint(request):
    """POST /api/v1/access/scan — the gate's question: may this credential pass here now?"""
    if request.method != "POST":
        return _error(CoreCode.METHOD_NOT_ALLOWED, 405)
    device, refused = device_of(request)
    if refused is not None:
        return refused
    try:
        data = _body(request)
        now = timezone.now()
        services.check_clock(_clock(data), now)
        method = data.get("type", "qr")
        value = data.get("value")
        if not isinstance(value, str) or not value:
            raise AccessError(AccessCode.INVALID_REQUEST, reason="value (the scanned code or number) is required")
        direction = data.get("direction") or (device.lane.direction if device.lane.direction != "both" else None)
        if direction is None:
            raise AccessError(AccessCode.DIRECTION_REQUIRED)
        scan_id = data.get("scan_id")
        if scan_id is not None and (not isinstance(scan_id, str) or not 1 <= len(scan_id) <= 64):
            raise AccessError(AccessCode.INVALID_REQUEST, reason="scan_id must be 1 to 64 characters")
        answer = services.scan(device, method, value, direction, now=now, device_scan_id=scan_id, bind=data.get("bind"))
    except AccessError as exc:
        return _domain_error(exc)
    return HttpResponse(json.dumps(answer.as_dict(), ensure_ascii=False), content_type="application/json")


# --- documentation of the hot endpoint, and the other device calls (DRF) --------------------------------
ERROR = inline_serializer("AccessError", {"code": serializers.CharField(), "detail": serializers.CharField()})
KEY = OpenApiParameter(
    "X-Api-Key", str, OpenApiParameter.HEADER, required=True, description="The gate device's API key."
)


class ScanIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=answers.METHODS, default="qr", help_text="Credential type")
    value = serializers.CharField(help_text="QR token, ID / social-security number, or face-match id")
    direction = serializers.ChoiceField(choices=["in", "out"], required=False, help_text="Needed on two-way lanes")
    clock = serializers.CharField(help_text="The gate's time: unix seconds or ms, or ISO 8601 with offset")
    scan_id = serializers.CharField(required=False, help_text="The gate's own id: a retry gets the same answer")
    bind = inline_serializer(
        "BindAtGate",
        {"kind": serializers.CharField(), "value": serializers.CharField(), "consent": serializers.BooleanField()},
        required=False,
        help_text="Enrol a face-match id at first entry (ID card scans), with the visitor's separate consent",
    )


class ScanOut(serializers.Serializer):
    admit = serializers.BooleanField()
    reason = serializers.CharField(help_text="admitted, readmitted, exited, used, passback, not_inside, too_early, …")
    message = inline_serializer("ScanMessage", {"zh": serializers.CharField(), "en": serializers.CharField()})
    ticket = serializers.CharField(required=False)
    name = serializers.CharField(required=False, help_text="masked")
    category = serializers.DictField(required=False)
    check_document = serializers.DictField(required=False, help_text="Shown for student, disability… categories")
    product = serializers.CharField(required=False)
    uses_left = serializers.IntegerField(required=False)
    scan = serializers.IntegerField(required=False)


class ScanView(APIView):
    """Documents `scan_endpoint` (which serves the URL; DRF is bypassed for speed)."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        tags=["gates"],
        parameters=[KEY],
        request=ScanIn,
        responses={200: ScanOut, 400: ERROR, 401: ERROR, 403: ERROR},
        examples=[
            OpenApiExample("QR", value={"type": "qr", "value": "SO1.…", "clock": 1767225600123}, request_only=True),
            OpenApiExample(
                "admitted",
                value={
                    "admit": True,
                    "reason": "admitted",
                    "message": {"zh": "欢迎光临。", "en": "Welcome."},
                    "ticket": "T8K2M4Q9",
                    "name": "张*",
                    "category": {"code": "student", "zh": "学生", "en": "Student"},
                    "check_document": {"zh": "学生证", "en": "Student card"},
                    "product": "entry",
                    "uses_left": 0,
                    "scan": 1042,
                },
                response_only=True,
            ),
        ],
        description="Validate one credential at the device's lane. Forged or malformed codes are refused "
        "before any database work.",
    )
    def post(self, request):
        return scan_endpoint(request._request)

    def dispatch(self, request, *args, **kwargs):
        return scan_endpoint(request)


class DeviceView(APIView):
    permission_classes = [HasScope]
    required_scopes = (services.SCOPE,)

    def device(self, request):
        device = config.device_for_key(request.auth.pk) if request.auth is not None else None
        if device is None:
            raise AccessError(AccessCode.NOT_A_GATE_DEVICE)
        if not device.active:
            raise AccessError(AccessCode.DEVICE_INACTIVE, device=device.code)
        return device


class HeartbeatView(DeviceView):
    @extend_schema(
        tags=["gates"],
        parameters=[KEY],
        request=inline_serializer(
            "Heartbeat",
            {
                "clock": serializers.CharField(),
                "whitelist_version": serializers.IntegerField(required=False),
                "offline_queue": serializers.IntegerField(required=False),
                "firmware": serializers.CharField(required=False),
            },
        ),
        responses={200: inline_serializer("HeartbeatOut", {"clock_offset_ms": serializers.IntegerField()})},
        description="The device is alive (online/offline status in the desk); answers its clock offset.",
    )
    def post(self, request):
        device = self.device(request)
        data = request.data if isinstance(request.data, dict) else {}
        queue = data.get("offline_queue", 0)
        version = data.get("whitelist_version")
        if not isinstance(queue, int) or isinstance(queue, bool) or queue < 0:
            raise AccessError(AccessCode.INVALID_REQUEST, reason="offline_queue must be a whole number ≥ 0")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise AccessError(AccessCode.INVALID_REQUEST, reason="whitelist_version must be a whole number")
        return Response(
            services.heartbeat(
                device,
                clock=_clock(data),
                whitelist_version=version,
                offline_queue=queue,
                firmware=str(data.get("firmware", ""))[:40],
            )
        )


class WhitelistView(DeviceView):
    @extend_schema(
        tags=["gates"],
        parameters=[
            KEY,
            OpenApiParameter("date", str, description="YYYY-MM-DD (default today)"),
            OpenApiParameter("since", int, description="A version received before: only the changes since"),
        ],
        responses={
            200: inline_serializer(
                "Whitelist",
                {
                    "payload": serializers.CharField(help_text="JSON text: gate, date, version, rules, entries"),
                    "signature": serializers.CharField(help_text="base64url Ed25519 over 'SO-WL1.' + payload"),
                    "key_id": serializers.CharField(),
                },
            )
        },
        description="The signed whitelist of the device's gate for one day, full or as a delta.",
    )
    def get(self, request):
        device = self.device(request)
        raw_date = request.query_params.get("date")
        try:
            day = dt.date.fromisoformat(raw_date) if raw_date else timezone.localdate()
        except ValueError:
            raise AccessError(AccessCode.INVALID_DATE) from None
        raw_since = request.query_params.get("since")
        since = None
        if raw_since:
            try:
                since = int(raw_since)
            except ValueError:
                raise AccessError(AccessCode.INVALID_VERSION) from None
        return Response(services.whitelist(device, day, since=since))


class UploadView(DeviceView):
    @extend_schema(
        tags=["gates"],
        parameters=[KEY],
        request=inline_serializer(
            "OfflineUpload",
            {
                "batch": serializers.CharField(help_text="The gate's id of this batch: re-sending it is harmless"),
                "rows": serializers.ListField(
                    child=serializers.DictField(),
                    help_text="{id, at, direction, type, value, result: admitted|denied, reason}",
                ),
            },
        ),
        responses={200: serializers.DictField(), 400: ERROR, 409: ERROR},
        description="Offline scans, reconciled: first admission in time wins, later duplicates are flagged, "
        "garbage rows are rejected one by one; the rest is applied all or nothing.",
    )
    def post(self, request):
        device = self.device(request)
        data = request.data if isinstance(request.data, dict) else {}
        if not isinstance(request.data, dict):
            raise AccessError(AccessCode.INVALID_REQUEST, reason="the body must be a JSON object")
        return Response(services.upload_offline(device, data.get("batch"), data.get("rows")))


class BindingView(APIView):
    permission_classes = [HasScope]
    required_scopes = (services.BIND_SCOPE,)

    @extend_schema(
        tags=["gates"],
        parameters=[KEY],
        request=inline_serializer(
            "Binding",
            {
                "kind": serializers.ChoiceField(choices=["face", "ssc"]),
                "value": serializers.CharField(help_text="The vendor's face-match id, or the card number"),
                "id_number": serializers.CharField(required=False),
                "ticket": serializers.CharField(required=False),
                "consent": serializers.BooleanField(help_text="The visitor's separate consent (PIPL art. 29)"),
                "vendor": serializers.CharField(required=False),
            },
        ),
        responses={201: inline_serializer("BindingOut", {"kind": serializers.CharField()})},
        description="Bind a face-match id or a social-security card to a real-name visitor (at booking). "
        "No face image is ever sent or stored.",
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        binding = services.bind_credential(
            str(data.get("kind", "")),
            str(data.get("value", "")),
            consent=data.get("consent"),
            id_number=str(data.get("id_number", "") or ""),
            ticket_code=str(data.get("ticket", "") or ""),
            source="booking",
            vendor=str(data.get("vendor", "") or ""),
        )
        return Response(
            {
                "kind": binding.kind,
                "credential": binding.value_masked,
                "visitor": binding.id_masked,
                "expires_at": binding.expires_at.isoformat(),
            },
            status=201,
        )
