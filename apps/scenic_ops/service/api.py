"""Service API: mentions pushed by monitoring services (scope service:opinion), incidents raised by
outside systems such as a weather-warning feed or an alarm platform (scope service:incident), complaints
forwarded by the 12345/12301 platforms (scope service:complaint), and energy meter readings
(scope service:energy). Staff sessions need the matching desk permission."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core.api import HasScope
from scenic_ops.core.errors import CoreCode, CoreError
from scenic_ops.core.idempotency import idempotent
from scenic_ops.core.models import ApiKey
from scenic_ops.service import complaints, dispatch, incidents, opinion
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import IncidentTask


def _body(request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        raise CoreError(CoreCode.INVALID, detail="Send a JSON object.")
    return data


class _Scoped(APIView):
    permission_classes = [HasScope]
    staff_permission = ""

    def check_permissions(self, request):
        super().check_permissions(request)
        if not isinstance(getattr(request, "auth", None), ApiKey) and not request.user.has_perm(self.staff_permission):
            raise CoreError(CoreCode.PERMISSION_DENIED, status=403)


class MentionPushView(_Scoped):
    required_scopes = ("service:opinion",)
    staff_permission = "service.add_mention"

    @extend_schema(
        summary="Push mentions and reviews",
        description=(
            "Up to 500 mentions per call: `source`, `text`, `published_at` (ISO 8601) are required; `external_id`, "
            "`author`, `title`, `rating` (0–5) and `url` are optional. Each item gets a result line (created, "
            "duplicate — the same source and id, or refused with the reason); good items are kept even when others "
            "are refused. Each mention is scored for sentiment (−1…+1) and keywords on arrival."
        ),
        request=inline_serializer(
            "MentionPush",
            {
                "source": serializers.CharField(required=False),
                "mentions": serializers.ListField(child=serializers.DictField()),
            },
        ),
        responses={200: inline_serializer("MentionPushResult", {"created": serializers.IntegerField()})},
        examples=[
            OpenApiExample(
                "two reviews",
                value={
                    "source": "ctrip",
                    "mentions": [
                        {
                            "external_id": "R1",
                            "published_at": "2026-05-01T10:00:00+08:00",
                            "text": "风景很美",
                            "rating": 5,
                        },
                        {
                            "external_id": "R2",
                            "published_at": "2026-05-01T10:05:00+08:00",
                            "text": "排队太久",
                            "rating": 2,
                        },
                    ],
                },
            )
        ],
    )
    def post(self, request):
        data = request.data
        items = data.get("mentions") if isinstance(data, dict) else data
        source = data.get("source", "") if isinstance(data, dict) else ""
        return Response(opinion.ingest(items, default_source=str(source or "")))


class IncidentRaiseView(_Scoped):
    required_scopes = ("service:incident",)
    staff_permission = "service.add_incident"

    @extend_schema(
        summary="Raise an incident",
        description=(
            "`type` is an incident type code (fire, flood, typhoon, landslide, weather, medical, lost_person, "
            "over_capacity, equipment_failure, special_equipment, cyber, sos); `trigger_key` (≤ 190 visible "
            "characters) makes the call idempotent: the same key returns the same incident (200) instead of a "
            "new one (201). Optional: `level` (1 highest … 4), `title`, `description`, `zone` (code), `latitude`, "
            "`longitude`. Raising starts the type's emergency plan: tasks, agency notices, timeline."
        ),
        request=inline_serializer(
            "IncidentRaise",
            {
                "type": serializers.CharField(),
                "trigger_key": serializers.CharField(required=False),
                "level": serializers.IntegerField(required=False),
                "title": serializers.CharField(required=False),
                "zone": serializers.CharField(required=False),
            },
        ),
        responses={201: inline_serializer("IncidentRaised", {"code": serializers.CharField()})},
        examples=[
            OpenApiExample(
                "a rainstorm warning",
                value={
                    "type": "weather",
                    "trigger_key": "cma:32050041600000_20260501",
                    "level": 3,
                    "title": "暴雨橙色预警",
                },
            )
        ],
    )
    @idempotent
    def post(self, request):
        data = _body(request)
        before = (
            incidents.Incident.objects.filter(trigger_key=data.get("trigger_key")).exists()
            if data.get("trigger_key")
            else False
        )
        incident = incidents.raise_incident(
            data.get("type", ""),
            data.get("trigger_key") or None,
            level=data.get("level"),
            title=data.get("title", ""),
            description=data.get("description", ""),
            zone=data.get("zone") or None,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            source="api" if isinstance(request.auth, ApiKey) else "staff",
            reported_by=request.user
            if request.user.is_authenticated and not isinstance(request.auth, ApiKey)
            else None,
        )
        tasks = IncidentTask.objects.filter(incident=incident).count()
        body = {
            "code": incident.code,
            "id": incident.pk,
            "type": incident.type.code,
            "level": incident.level,
            "state": incident.state,
            "repeats": incident.repeats,
            "tasks": tasks,
            "notices": incident.notices.count(),
        }
        return Response(body, status=200 if before else 201)


class ComplaintCreateView(_Scoped):
    required_scopes = ("service:complaint",)
    staff_permission = "service.add_complaint"

    @extend_schema(
        summary="File a complaint (12345/12301 forwarding, partner systems)",
        description=(
            "`description` (≤ 2,000 characters) is required; `channel` (12345, 12301, hotline, ota_review, email …), "
            "`external_ref` (their work-order number), `category`, `subject`, `phone`, `name`, `email`, `zone`, "
            "`order_ref`, `ticket_ref`, `asset_ref`, `severity`, `priority` are optional. Send an Idempotency-Key "
            "to make retries safe."
        ),
        request=inline_serializer("ComplaintCreate", {"description": serializers.CharField()}),
        responses={201: inline_serializer("ComplaintCreated", {"code": serializers.CharField()})},
    )
    @idempotent
    def post(self, request):
        data = _body(request)
        fields = (
            "subject", "category", "zone", "phone", "name", "email", "order_ref", "ticket_ref", "asset_ref",
            "external_ref", "severity", "priority", "kind",
        )  # fmt: skip
        complaint = complaints.file_complaint(
            description=data.get("description", ""),
            channel=data.get("channel") or "hotline",
            entered_by=request.user if not isinstance(request.auth, ApiKey) else None,
            **{k: data[k] for k in fields if data.get(k) not in (None, "")},
        )
        return Response({"code": complaint.code, "id": complaint.pk, "state": complaint.state}, status=201)


class EnergyReadingView(_Scoped):
    required_scopes = ("service:energy",)
    staff_permission = "service.add_meterreading"

    @extend_schema(
        summary="Push energy meter readings",
        description="`meter` (code) and `readings`: a list of `{at, value}` cumulative register values. Repeats are ignored.",
        request=inline_serializer(
            "EnergyPush",
            {"meter": serializers.CharField(), "readings": serializers.ListField(child=serializers.DictField())},
        ),
        responses={200: inline_serializer("EnergyPushResult", {"accepted": serializers.IntegerField()})},
    )
    def post(self, request):
        data = _body(request)
        readings = data.get("readings")
        if not isinstance(readings, list) or not readings or len(readings) > 1000:
            raise ServiceError(ServiceCode.READING_INVALID, reason="readings: 1 to 1000 items")
        accepted = duplicates = 0
        for index, item in enumerate(readings):
            if not isinstance(item, dict):
                raise ServiceError(ServiceCode.READING_INVALID, reason=f"item {index} is not an object")
        with transaction.atomic():  # one bad reading rejects the whole push
            for item in readings:
                if dispatch.record_reading(str(data.get("meter", "")), item.get("at"), item.get("value")):
                    accepted += 1
                else:
                    duplicates += 1
        return Response({"accepted": accepted, "duplicates": duplicates})
