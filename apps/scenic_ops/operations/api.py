"""Operations API: device telemetry and positions (device keys), the crew app (logged-in staff),
and the desk's map, nearest crew and dispatch calls. Errors are `{"code", "detail"}`."""

from __future__ import annotations

import datetime as dt
import json

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from scenic_ops.core.api import HasScope
from scenic_ops.core.idempotency import idempotent
from scenic_ops.core.models import ApiKey, User
from scenic_ops.operations import selectors
from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.models import Alarm, Asset, DispatchCall, InspectionTask, RepairTicket, Tracker
from scenic_ops.operations.services import crew_calls, inspections, positions, repairs, telemetry

TELEMETRY_EXAMPLE = {
    "device": "cableway-drive",
    "records": [
        {"at": "2026-05-01T09:30:00+08:00", "type": "heartbeat"},
        {"at": "2026-05-01T09:30:00+08:00", "type": "status", "status": "running"},
        {"at": "2026-05-01T09:30:05+08:00", "type": "metric", "name": "wind_speed", "value": 11.4},
        {"at": "2026-05-01T09:31:00+08:00", "type": "fault", "code": "E42", "message": "brake temperature high"},
        {"at": "2026-05-01T09:40:00+08:00", "type": "fault_cleared", "code": "E42"},
    ],
}


class IsStaffUser(permissions.BasePermission):
    """A logged-in staff account (not an API key)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_active and user.is_staff


class HasModelPerm(IsStaffUser):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(view.model_perm)


def _payload(request) -> dict:
    """JSON bodies as they are; multipart bodies carry JSON in the `payload` field beside the files."""
    if request.content_type.startswith("multipart/"):
        raw = request.data.get("payload") or "{}"
        try:
            data = json.loads(raw)
        except ValueError:
            raise OpsError(OpsCode.INVALID_RECORD, index=0, reason="payload is not JSON") from None
        return data if isinstance(data, dict) else {}
    return request.data if isinstance(request.data, dict) else {}


# --- devices -----------------------------------------------------------------------------


class TelemetryView(APIView):
    """A device sends heartbeats, status, metrics and fault codes."""

    permission_classes = [HasScope]
    required_scopes = ("ops:telemetry",)

    @extend_schema(
        summary="Send device telemetry",
        description=(
            "Batched records stamped with the device's own clock (ISO 8601 with UTC offset), in time order: "
            "`heartbeat`, `status` (`status`), `metric` (`name`, `value`), `fault` (`code`, `message`) and "
            "`fault_cleared` (`code`). Records older than the device's newest accepted one are refused "
            "(`ops_out_of_order`, 409) unless they repeat a stored record exactly (ignored: resending is safe); "
            "future times (`ops_future_timestamp`) and records older than 7 days are refused. One bad record "
            "rejects the whole message with the bad rows listed; nothing is stored. Alarms are raised and cleared "
            "by the alarm rules; send an `Idempotency-Key` to replay answers of retried messages."
        ),
        request=inline_serializer(
            "TelemetryMessage",
            {"device": serializers.CharField(), "records": serializers.ListField(child=serializers.DictField())},
        ),
        responses={
            200: inline_serializer(
                "TelemetryResult",
                {
                    "accepted": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "alarms_raised": serializers.ListField(child=serializers.IntegerField()),
                    "alarms_cleared": serializers.IntegerField(),
                },
            )
        },
        examples=[OpenApiExample("cableway drive", value=TELEMETRY_EXAMPLE, request_only=True)],
        tags=["operations devices"],
    )
    @idempotent
    def post(self, request):
        if not isinstance(request.auth, ApiKey):
            raise exceptions.NotAuthenticated
        body = request.data if isinstance(request.data, dict) else {}
        device = telemetry.device_for(body.get("device"), request.auth)
        return Response(telemetry.ingest(device, body.get("records")).as_dict())


class PositionsView(APIView):
    """Positions from a GPS tracker (device key, scope ops:position) or from the crew app (logged in)."""

    permission_classes = [HasScope]
    required_scopes = ("ops:position",)

    @extend_schema(
        summary="Send positions",
        description=(
            "A tracker sends `{tracker, fixes: [{at, latitude, longitude, accuracy, speed}]}` with its key; the crew "
            "app sends `{fixes: [...]}` for the logged-in staff member. Fixes already stored are ignored."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        tags=["operations positions"],
    )
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        if isinstance(request.auth, ApiKey):
            tracker = positions.tracker_for(body.get("tracker"), request.auth)
        elif isinstance(request.user, User) and request.user.is_staff:
            tracker = positions.phone_of(request.user)
        else:
            raise OpsError(OpsCode.UNKNOWN_TRACKER, tracker="-")
        return Response(positions.record(tracker, body.get("fixes")))


# --- the desk's map and dispatch -------------------------------------------------------------


class MapView(APIView):
    permission_classes = [HasModelPerm]
    model_perm = "operations.view_tracker"

    @extend_schema(summary="Park map data", responses={200: OpenApiTypes.OBJECT}, tags=["operations positions"])
    def get(self, request):
        return Response(
            {
                "map": selectors.park_map(),
                "positions": selectors.latest_positions(),
                "assets": selectors.map_assets(),
            }
        )


class TrackView(APIView):
    permission_classes = [HasModelPerm]
    model_perm = "operations.view_tracker"

    @extend_schema(
        summary="A tracker's track of a day", responses={200: OpenApiTypes.OBJECT}, tags=["operations positions"]
    )
    def get(self, request, code: str):
        tracker = get_object_or_404(Tracker, code=code)
        try:
            day = (
                dt.date.fromisoformat(request.query_params.get("day", "")) if request.query_params.get("day") else None
            )
        except ValueError:
            day = None
        day = day or timezone.localdate()
        return Response({"tracker": tracker.code, "day": day.isoformat(), "points": selectors.track(tracker, day)})


def _subject(params) -> RepairTicket | Alarm:
    if params.get("ticket"):
        ticket = RepairTicket.objects.select_related("asset", "zone").filter(pk=_int(params["ticket"])).first()
        if ticket is None:
            raise OpsError(OpsCode.UNKNOWN_TICKET, ticket=str(params["ticket"])[:20])
        return ticket
    alarm = Alarm.objects.select_related("asset", "asset__category").filter(pk=_int(params.get("alarm"))).first()
    if alarm is None:
        raise OpsError(OpsCode.UNKNOWN_TICKET, ticket=str(params.get("alarm"))[:20])
    return alarm


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class NearestCrewView(APIView):
    permission_classes = [HasModelPerm]
    model_perm = "operations.view_dispatchcall"

    @extend_schema(
        summary="Nearest available crew for a ticket or an alarm",
        description="`?ticket=<id>` or `?alarm=<id>`; crew on duty with a recent position, not busy, nearest first.",
        responses={200: OpenApiTypes.OBJECT},
        tags=["operations dispatch"],
    )
    def get(self, request):
        subject = _subject(request.query_params)
        return Response({"crew": [c.as_dict() for c in crew_calls.nearest_for(subject)]})


class DispatchView(APIView):
    permission_classes = [HasModelPerm]
    model_perm = "operations.add_dispatchcall"

    @extend_schema(
        summary="Call a crew member",
        request=inline_serializer(
            "DispatchRequest",
            {
                "user": serializers.IntegerField(),
                "ticket": serializers.IntegerField(required=False),
                "alarm": serializers.IntegerField(required=False),
                "note": serializers.CharField(required=False),
            },
        ),
        responses={201: OpenApiTypes.OBJECT},
        tags=["operations dispatch"],
    )
    @idempotent
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        subject = _subject(body)
        user = User.objects.filter(pk=_int(body.get("user"))).first()
        if user is None:
            raise OpsError(OpsCode.NOT_CREW, user=str(body.get("user"))[:20])
        call = crew_calls.call(
            user,
            by=request.user,
            ticket=subject if isinstance(subject, RepairTicket) else None,
            alarm=subject if isinstance(subject, Alarm) else None,
            note=str(body.get("note") or ""),
        )
        return Response({"id": call.pk, "state": call.state, "distance_m": call.distance_m}, status=201)


# --- the crew app -------------------------------------------------------------------------------


class CrewView(APIView):
    permission_classes = [IsStaffUser]
    parser_classes = [JSONParser, MultiPartParser, FormParser]


class CrewTodayView(CrewView):
    @extend_schema(summary="My work today", responses={200: OpenApiTypes.OBJECT}, tags=["operations crew"])
    def get(self, request):
        return Response(selectors.my_work_today(request.user), headers={"Cache-Control": "no-store"})


def _task(request, task_id: int) -> InspectionTask:
    task = InspectionTask.objects.select_related("plan", "plan__template", "plan__zone").filter(pk=task_id).first()
    if task is None:
        raise OpsError(OpsCode.UNKNOWN_TASK, task=task_id)
    return task


class CrewStartInspectionView(CrewView):
    @extend_schema(
        summary="Open an inspection", request=None, responses={200: OpenApiTypes.OBJECT}, tags=["operations crew"]
    )
    def post(self, request, task_id: int):
        task = inspections.start(_task(request, task_id), request.user)
        return Response({"id": task.pk, "state": task.state})


class CrewSubmitInspectionView(CrewView):
    @extend_schema(
        summary="Submit a completed checklist",
        description=(
            "JSON, or multipart with a `payload` JSON field and the photos as files. Payload: "
            "`{submission_id, latitude, longitude, accuracy, answers: [{point, item, value, note, photo, at}]}` where "
            "`photo` names the file field. Every answer is checked first; a bad one rejects the submission "
            "(e.g. `ops_answer_out_of_range`, `ops_file_too_large`) and nothing is saved. Resending the same "
            "`submission_id` (or `Idempotency-Key`) returns the first answer."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        tags=["operations crew"],
    )
    @idempotent
    def post(self, request, task_id: int):
        payload = _payload(request)
        result = inspections.submit(
            _task(request, task_id),
            request.user,
            payload.get("answers"),
            files=request.FILES,
            submission_id=payload.get("submission_id"),
            latitude=payload.get("latitude"),
            longitude=payload.get("longitude"),
            accuracy_m=payload.get("accuracy"),
        )
        return Response(result.as_dict())


class CrewTicketActionView(CrewView):
    @extend_schema(
        summary="Accept, start, pause, resume or finish a repair",
        description=(
            "Multipart (`payload` + photos) or JSON: `{client_id, note, at, latitude, longitude, estimated_cost, "
            "labour_hours, parts: [{name, quantity, unit_cost}]}`. The workflow decides who may; a finish with an "
            "estimated cost over the threshold goes to the manager for approval."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        tags=["operations crew"],
    )
    @idempotent
    def post(self, request, ticket_id: int, verb: str):
        ticket = RepairTicket.objects.filter(pk=ticket_id).first()
        if ticket is None:
            raise OpsError(OpsCode.UNKNOWN_TICKET, ticket=ticket_id)
        payload = _payload(request)
        at = payload.get("at")
        try:
            at = dt.datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            at = None
        if at is not None and (timezone.is_naive(at) or at > timezone.now() + dt.timedelta(minutes=5)):
            at = None
        entry = repairs.crew_action(
            ticket,
            request.user,
            verb,
            note=str(payload.get("note") or ""),
            photos=request.FILES.getlist("photos"),
            estimated_cost=payload.get("estimated_cost"),
            labour_hours=payload.get("labour_hours"),
            parts=payload.get("parts") if isinstance(payload.get("parts"), list) else None,
            at=at,
            latitude=payload.get("latitude"),
            longitude=payload.get("longitude"),
            client_id=payload.get("client_id"),
        )
        ticket.refresh_from_db()
        return Response({"ticket": ticket.pk, "state": ticket.state, "log": entry.pk})


class CrewReportView(CrewView):
    @extend_schema(
        summary="Report a new problem",
        description="Multipart (`payload` + `photos`) or JSON: `{client_id, title, description, asset (QR code or "
        "asset code), priority, latitude, longitude}`. The same `client_id` again returns the first ticket.",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
        tags=["operations crew"],
    )
    @idempotent
    def post(self, request):
        payload = _payload(request)
        asset = None
        code = str(payload.get("asset") or "").strip()
        if code:
            asset = Asset.objects.select_related("category", "zone").filter(qr_token=code).first() or (
                Asset.objects.select_related("category", "zone").filter(code=code).first()
            )
            if asset is None:
                raise OpsError(OpsCode.UNKNOWN_ASSET, asset=code[:40])
        ticket = repairs.report(
            title=str(payload.get("title") or ""),
            description=str(payload.get("description") or ""),
            asset=asset,
            priority=str(payload.get("priority") or "normal"),
            source=RepairTicket.Source.STAFF,
            reported_by=request.user,
            latitude=payload.get("latitude"),
            longitude=payload.get("longitude"),
            photos=request.FILES.getlist("photos"),
            client_id=payload.get("client_id"),
        )
        return Response({"id": ticket.pk, "state": ticket.state, "title": ticket.title}, status=201)


class VisitorReportThrottle(SimpleRateThrottle):
    """A public form: a few reports an hour per address (Redis-backed, shared by every web process)."""

    scope = "ops_visitor_report"
    rate = "6/hour"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class VisitorReportView(APIView):
    """The visitor portal's "report a problem" form: what, where (GPS or an asset's QR code), a photo."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [VisitorReportThrottle]

    @extend_schema(
        summary="A visitor reports a problem",
        description=(
            "Multipart (`payload` + `photos`) or JSON: `{client_id, title, description, asset (QR code), latitude, "
            "longitude, name, phone}`. No login; at most 6 reports an hour per address. The phone number is stored "
            "encrypted and shown masked. The same `client_id` again returns the first ticket."
        ),
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
        tags=["operations public"],
    )
    def post(self, request):
        payload = _payload(request)
        token = str(payload.get("asset") or "").strip()
        asset = Asset.objects.select_related("category", "zone").filter(qr_token=token).first() if token else None
        if token and asset is None:
            raise OpsError(OpsCode.UNKNOWN_ASSET, asset=token[:40])
        photos = request.FILES.getlist("photos")[:3]
        ticket = repairs.report(
            title=str(payload.get("title") or "")[:120],
            description=str(payload.get("description") or "")[:2000],
            asset=asset,
            source=RepairTicket.Source.VISITOR,
            reporter_name=str(payload.get("name") or "")[:40],
            reporter_phone=str(payload.get("phone") or "")[:20],
            latitude=payload.get("latitude"),
            longitude=payload.get("longitude"),
            photos=photos,
            client_id=payload.get("client_id"),
        )
        return Response({"id": ticket.pk, "received": True}, status=201)


class CrewAssetView(CrewView):
    @extend_schema(summary="An asset by its QR code", responses={200: OpenApiTypes.OBJECT}, tags=["operations crew"])
    def get(self, request, token: str):
        asset = Asset.objects.select_related("category", "zone", "parent").filter(qr_token=token).first()
        if asset is None:
            raise OpsError(OpsCode.UNKNOWN_ASSET, asset=token[:40])
        now = timezone.now()
        open_tickets = asset.tickets.exclude(state__in=selectors.CLOSED_STATES).order_by("-created_at")[:10]
        return Response(
            {
                "code": asset.code,
                "qr": asset.qr_token,
                "name": asset.display_name,
                "category": str(asset.category),
                "zone": str(asset.zone) if asset.zone_id else "",
                "status": asset.get_status_display(),
                "special_equipment": asset.special_equipment,
                "open_alarms": [a.title for a in asset.alarms.exclude(state=Alarm.State.CLEARED)[:10]],
                "open_tickets": [selectors.ticket_dict(t, now, request.user) for t in open_tickets],
            }
        )


class CrewCallAnswerView(CrewView):
    @extend_schema(
        summary="Accept or decline a dispatch call",
        request=inline_serializer(
            "CallAnswer", {"accept": serializers.BooleanField(), "note": serializers.CharField(required=False)}
        ),
        responses={200: OpenApiTypes.OBJECT},
        tags=["operations crew"],
    )
    def post(self, request, call_id: int):
        call = DispatchCall.objects.filter(pk=call_id).first()
        if call is None:
            raise OpsError(OpsCode.UNKNOWN_CALL, call=call_id)
        body = _payload(request)
        call = crew_calls.answer(call, request.user, accept=bool(body.get("accept")), note=str(body.get("note") or ""))
        return Response({"id": call.pk, "state": call.state})


class CrewDutyView(CrewView):
    @extend_schema(
        summary="Go on or off duty",
        request=inline_serializer("Duty", {"on_duty": serializers.BooleanField()}),
        responses={200: OpenApiTypes.OBJECT},
        tags=["operations crew"],
    )
    def post(self, request):
        tracker = positions.set_on_duty(request.user, bool(_payload(request).get("on_duty")))
        return Response({"on_duty": tracker.on_duty})
