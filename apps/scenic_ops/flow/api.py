"""Visitor-flow API: device pushes (API key, scope flow:push), public read-only status and forecast,
and the server-sent-events stream of status changes."""

from __future__ import annotations

import json
import time

from django.db import connection
from django.http import HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core.api import HasScope
from scenic_ops.flow import live, selectors
from scenic_ops.flow.errors import FlowError
from scenic_ops.flow.services import devices

PUSH_EXAMPLE = {
    "device": "counter-summit",
    "readings": [
        {"start": "2026-05-01T09:30:00+08:00", "seconds": 60, "entries": 42, "exits": 17},
        {"start": "2026-05-01T09:31:00+08:00", "seconds": 60, "entries": 38, "exits": 20},
    ],
}


class DevicePushView(APIView):
    """A counting device pushes its readings."""

    permission_classes = [HasScope]
    required_scopes = ("flow:push",)

    @extend_schema(
        summary="Push device readings",
        description=(
            "People counters and video analytics send entries and exits per interval (`start` in the "
            "device's clock with its UTC offset, `seconds`); car-park barriers send counts or `{at, free}`; "
            "space sensors send `{at, free}`; queue sensors send `{at, length}`. Pushing the same interval "
            "again is harmless (a duplicate is ignored, changed figures are applied as a correction). "
            "One bad reading rejects the whole push with a stable code and the bad rows; nothing is applied."
        ),
        request=inline_serializer(
            "DevicePush",
            {"device": serializers.CharField(), "readings": serializers.ListField(child=serializers.DictField())},
        ),
        responses={
            200: inline_serializer(
                "DevicePushResult",
                {
                    "accepted": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "corrected": serializers.IntegerField(),
                    "stale": serializers.IntegerField(),
                },
            )
        },
        examples=[OpenApiExample("people counter", value=PUSH_EXAMPLE, request_only=True)],
        tags=["flow devices"],
    )
    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        device = devices.device_for(body.get("device"), request.auth)
        try:
            result = devices.push(device, body.get("readings"), key=request.auth)
        except FlowError as exc:
            devices.record_rejection(device, exc)
            raise
        return Response(result.as_dict())


def _etag(snapshot: dict) -> str:
    return f'W/"flow-{snapshot["version"]}-{snapshot["generated_at"]}"'


class PublicStatusView(APIView):
    """Live figures for screens, the website, apps and partners (no key needed)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Live visitor status",
        description=(
            "Capacity, people in the park, entries today, warning level and banner, key spots with their "
            "crowding, car parks with free spaces, waiting times, the traffic note and today's forecast. "
            "Revalidate with `If-None-Match`; figures are at most a second old."
        ),
        responses={200: OpenApiTypes.OBJECT},
        tags=["flow public"],
    )
    def get(self, request):
        snapshot = selectors.live_status()
        etag = _etag(snapshot)
        headers = {
            "ETag": etag,
            "Cache-Control": "public, max-age=0, must-revalidate",
            "Last-Modified": http_date(snapshot["_at"]),
            "Access-Control-Allow-Origin": "*",
        }
        if request.META.get("HTTP_IF_NONE_MATCH") == etag:
            response = HttpResponseNotModified()
            for name, value in headers.items():
                response[name] = value
            return response
        return Response(selectors.public(snapshot), headers=headers)


class PublicForecastView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Visitor forecast",
        description="Forecast visitors for today and the next 14 days with the expected crowding, "
        "and the hourly arrival forecast for today and tomorrow.",
        responses={200: OpenApiTypes.OBJECT},
        tags=["flow public"],
    )
    def get(self, request):
        from django.utils import timezone

        from scenic_ops.flow.services.forecasts import outlook

        day = timezone.localdate()
        data = {"day": day.isoformat(), **outlook(day)}
        return Response(data, headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"})


STREAM_SECONDS = 300
KEEPALIVE_SECONDS = 15
COALESCE_SECONDS = 0.1


def _event(snapshot: dict) -> str:
    body = json.dumps(selectors.public(snapshot), ensure_ascii=False, separators=(",", ":"))
    return f"id: {snapshot['version']}\nevent: status\ndata: {body}\n\n"


def _release_db() -> None:
    if connection.connection is not None and not connection.in_atomic_block:
        connection.close()


def stream_events(max_seconds: float = STREAM_SECONDS):
    """The event stream: the status now, then again after every change (coalesced), keep-alives between."""
    pubsub = live.subscribe()  # before anything is sent: no change can slip between
    try:
        yield f"retry: 2000\n: {' ' * 2048}\n\n"  # padding flushes proxies that buffer the first bytes
        snapshot = selectors.live_status()
        sent = snapshot["version"]
        _release_db()
        yield _event(snapshot)
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=KEEPALIVE_SECONDS)
            if message is None:
                yield ": keep-alive\n\n"
                continue
            time.sleep(COALESCE_SECONDS)
            latest = int(message["data"])
            while (more := pubsub.get_message(timeout=0)) is not None:
                latest = max(latest, int(more["data"]))
            if latest <= sent:
                continue
            snapshot = selectors.live_status(min_version=latest)
            _release_db()
            sent = max(latest, snapshot["version"])
            yield _event(snapshot)
    finally:
        pubsub.close()


def stream(request):
    response = StreamingHttpResponse(stream_events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    response["Access-Control-Allow-Origin"] = "*"
    return response
