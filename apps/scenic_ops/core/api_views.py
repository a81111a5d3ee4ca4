"""Platform API: scheduled jobs (list, run now) for integrations and the desk."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core import scheduling
from scenic_ops.core.api import HasScope
from scenic_ops.core.errors import CoreCode, CoreError
from scenic_ops.core.idempotency import idempotent
from scenic_ops.core.models import JobRun, JobSchedule


class JobRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobRun
        fields = ["id", "name", "trigger", "status", "queued_at", "started_at", "finished_at", "result", "progress"]


class RunRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CanRunJobs(HasScope):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(request, "auth", None) is not None and hasattr(request.auth, "scopes"):
            return True
        return request.method == "GET" or request.user.has_perm("core.run_job")


class JobListView(APIView):
    permission_classes = [CanRunJobs]
    required_scopes = ("jobs:read",)

    @extend_schema(summary="List scheduled jobs", tags=["platform"])
    def get(self, request):
        rows = JobSchedule.objects.all()
        return Response(
            [
                {
                    "name": s.name,
                    "schedule": s.schedule,
                    "enabled": s.enabled,
                    "last_status": s.last_status,
                    "last_started_at": s.last_started_at,
                    "description": s.description,
                }
                for s in rows
            ]
        )


class JobRunCreateView(APIView):
    permission_classes = [CanRunJobs]
    required_scopes = ("jobs:run",)

    @extend_schema(
        summary="Run a scheduled job now",
        description="Queues the job on RQ; the run is logged like a scheduled one. Accepts an Idempotency-Key.",
        request=RunRequestSerializer,
        responses={202: JobRunSerializer},
        tags=["platform"],
        examples=[OpenApiExample("Run the outbox sweep", value={"note": "after gateway repair"})],
    )
    @idempotent
    def post(self, request, name: str):
        RunRequestSerializer(data=request.data).is_valid(raise_exception=True)
        if name not in scheduling.registry():
            raise CoreError(CoreCode.NOT_FOUND, status=404)
        run = scheduling.run_now(name, user=request.user)
        return Response(JobRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
