"""Workflow API (`/api/v1/workflow/`): actions on documents, the inbox, notifications, delegations.

Staff accounts only (session login); a refused action answers 403 with the reason and changes nothing.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from scenic_ops.core import notices
from scenic_ops.core.errors import CoreCode, CoreError, DomainError
from scenic_ops.core.idempotency import idempotent
from scenic_ops.core.models import User
from scenic_ops.workflow import conditions, registry, selectors, services
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, Delegation, Notification
from scenic_ops.workflow.services import notifications

BULK_LIMIT = 100


class StaffUser(permissions.BasePermission):
    """A logged-in staff account (workflow actions are people's decisions, not API keys')."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_authenticated and user.is_active and user.is_staff


def load_document(document_type: str, pk: str):
    spec = registry.get(document_type)
    if spec is None:
        raise WorkflowError(Code.NOT_REGISTERED, document_type=document_type)
    try:
        document = spec.model._default_manager.filter(pk=pk).first()
    except (ValueError, TypeError):
        document = None
    if document is None:
        raise CoreError(CoreCode.NOT_FOUND, status=404)
    return spec, document


def may_see(user: User, spec, document) -> bool:
    meta = spec.model._meta
    if user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return True
    track = services.track_of(document)
    if track is None:
        return False
    if user.pk in (track.requester_id, track.assignee_id):
        return True
    if track.entries.filter(actor=user).exists():
        return True
    return bool(services.available_actions(document, user, track=track))


def entry_data(entry: ApprovalEntry) -> dict:
    return {
        "kind": entry.kind,
        "action": entry.action,
        "action_label": entry.action_label,
        "from_state": entry.from_state,
        "from_label": entry.from_label,
        "to_state": entry.to_state,
        "to_label": entry.to_label,
        "by": entry.actor.get_username() if entry.actor_id else "",
        "by_name": entry.actor_name,
        "on_behalf_of": entry.on_behalf_of.get_username() if entry.on_behalf_of_id else "",
        "on_behalf_of_name": entry.on_behalf_of_name,
        "display": entry.actor_display,
        "comment": entry.comment,
        "at": entry.at,
    }


class ApplySerializer(serializers.Serializer):
    action = serializers.SlugField(max_length=40)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    state = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="The state you saw; a concurrent move answers 409."
    )


class DocumentActionsView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(
        summary="Actions you may take on a document now",
        tags=["workflow"],
        parameters=[OpenApiParameter("explain", str, description="An action code: say why it is not available.")],
    )
    def get(self, request, document_type: str, pk: str):
        spec, document = load_document(document_type, pk)
        if not may_see(request.user, spec, document):
            raise CoreError(CoreCode.NOT_FOUND, status=404)
        track = services.ensure_track(document)
        body = {
            "document_type": spec.key,
            "id": str(document.pk),
            "title": spec.title_of(document),
            "state": getattr(document, spec.state_field),
            "state_label": track.state_label if track else "",
            "actions": [a.as_dict() for a in services.available_actions(document, request.user, track=track)],
        }
        if request.query_params.get("explain"):
            refusal = services.explain(document, request.user, request.query_params["explain"])
            body["explain"] = refusal.error().as_dict() if refusal else None
        return Response(body)


class DocumentApplyView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(
        summary="Take an action on a document",
        description="Refused actions answer 403 with the reason (role, condition, self-approval); "
        "a document moved by someone else meanwhile answers 409. Accepts an Idempotency-Key.",
        request=ApplySerializer,
        tags=["workflow"],
    )
    @idempotent
    def post(self, request, document_type: str, pk: str):
        data = ApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spec, document = load_document(document_type, pk)
        if data.validated_data.get("state"):
            setattr(document, spec.state_field, data.validated_data["state"])
        with notices.collected() as warnings:
            outcome = services.apply(
                document, data.validated_data["action"], request.user, data.validated_data.get("comment", "")
            )
        track = services.track_of(document)
        return Response(
            {
                "warnings": warnings,
                "moved": outcome.moved,
                "state": outcome.state,
                "state_label": track.state_label if track else outcome.state,
                "votes": outcome.votes,
                "needed": outcome.needed,
                "entry": entry_data(outcome.entry),
            },
            status=status.HTTP_200_OK,
        )


class DocumentHistoryView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(summary="A document's approval history", tags=["workflow"])
    def get(self, request, document_type: str, pk: str):
        spec, document = load_document(document_type, pk)
        if not may_see(request.user, spec, document):
            raise CoreError(CoreCode.NOT_FOUND, status=404)
        return Response([entry_data(e) for e in services.history(document)])


class InboxView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(
        summary="Everything you may act on now",
        tags=["workflow"],
        parameters=[
            OpenApiParameter("document_type", str),
            OpenApiParameter("state", str),
            OpenApiParameter("q", str),
            OpenApiParameter("overdue", bool),
        ],
    )
    def get(self, request):
        params = request.query_params
        box = selectors.inbox(
            request.user,
            document_type=params.get("document_type", ""),
            state=params.get("state", ""),
            q=params.get("q", "")[:100],
            overdue_only=params.get("overdue") in ("1", "true"),
        )
        return Response(
            {
                "total": box.total,
                "overdue": box.overdue,
                "by_type": [{"document_type": k, "label": label, "count": n} for k, label, n in box.by_type],
                "results": [item.as_dict() for item in box.items],
            }
        )


class BulkItemSerializer(serializers.Serializer):
    document_type = serializers.CharField(max_length=80)
    id = serializers.CharField(max_length=64)


class BulkSerializer(serializers.Serializer):
    action = serializers.SlugField(max_length=40)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    items = BulkItemSerializer(many=True, allow_empty=False, max_length=BULK_LIMIT)


class InboxBulkView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(
        summary="Take one action on many documents",
        description="Each document is done in its own transaction; the answer lists each outcome.",
        request=BulkSerializer,
        tags=["workflow"],
    )
    def post(self, request):
        data = BulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = []
        for item in data.validated_data["items"]:
            row = {"document_type": item["document_type"], "id": item["id"]}
            try:
                _spec, document = load_document(item["document_type"], item["id"])
                with notices.collected() as warnings:
                    outcome = services.apply(
                        document, data.validated_data["action"], request.user, data.validated_data.get("comment", "")
                    )
                row.update({"ok": True, "moved": outcome.moved, "state": outcome.state, "warnings": warnings})
            except DomainError as exc:
                row.update({"ok": False, **exc.as_dict()})
            results.append(row)
        return Response({"done": sum(1 for r in results if r["ok"]), "results": results})


class NotificationsView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(summary="My notifications and the unread count", tags=["workflow"])
    def get(self, request):
        rows = Notification.objects.filter(recipient=request.user).order_by("-created_at")[:50]
        return Response(
            {
                "unread": notifications.unread_count(request.user),
                "results": [
                    {
                        "id": n.pk,
                        "subject": n.display_subject,
                        "body": n.display_body,
                        "link": n.link,
                        "event": n.event,
                        "created_at": n.created_at,
                        "read": n.read_at is not None,
                    }
                    for n in rows
                ],
            }
        )


class ReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)


class NotificationsReadView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(summary="Mark notifications as read (all when no ids)", request=ReadSerializer, tags=["workflow"])
    def post(self, request):
        data = ReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications.mark_read(request.user, data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": notifications.unread_count(request.user)})


class DelegationSerializer(serializers.ModelSerializer):
    delegate = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True, is_staff=True)
    )
    document_types = serializers.ListField(child=serializers.CharField(max_length=80), required=False)

    class Meta:
        model = Delegation
        fields = ["id", "delegate", "starts_at", "ends_at", "document_types", "reason", "revoked_at"]
        read_only_fields = ["id", "revoked_at"]

    def validate(self, attrs):
        user = self.context["request"].user
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise WorkflowError(Code.BAD_DELEGATION, reason="ends_at must be after starts_at")
        if attrs["ends_at"] <= timezone.now():
            raise WorkflowError(Code.BAD_DELEGATION, reason="ends_at must be in the future")
        if attrs["delegate"].pk == user.pk:
            raise WorkflowError(Code.BAD_DELEGATION, reason="you cannot delegate to yourself")
        unknown = [t for t in attrs.get("document_types", []) if registry.get(t) is None]
        if unknown:
            raise WorkflowError(Code.BAD_DELEGATION, reason=f"unknown document types: {', '.join(unknown)}")
        return attrs


class DelegationsView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(summary="My delegations", tags=["workflow"], responses=DelegationSerializer(many=True))
    def get(self, request):
        rows = Delegation.objects.filter(principal=request.user).select_related("delegate").order_by("-starts_at")
        return Response(DelegationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Name a delegate while you are away",
        request=DelegationSerializer,
        responses={201: DelegationSerializer},
        tags=["workflow"],
    )
    @idempotent
    def post(self, request):
        data = DelegationSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        delegation = data.save(principal=request.user)
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)


class ConditionSerializer(serializers.Serializer):
    document_type = serializers.CharField(max_length=80)
    expression = serializers.CharField(max_length=conditions.MAX_LENGTH, allow_blank=True)


class ConditionCheckView(APIView):
    permission_classes = [StaffUser]

    @extend_schema(
        summary="Check a condition expression for a document type", request=ConditionSerializer, tags=["workflow"]
    )
    def post(self, request):
        data = ConditionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spec = registry.get(data.validated_data["document_type"])
        if spec is None:
            raise WorkflowError(Code.NOT_REGISTERED, document_type=data.validated_data["document_type"])
        try:
            conditions.validate(data.validated_data["expression"], spec.fields())
        except conditions.ConditionError as exc:
            return Response(
                {"code": "workflow_invalid_condition", "detail": exc.message, "column": exc.column, "line": exc.line},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"valid": True})
