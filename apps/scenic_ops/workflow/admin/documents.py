"""Desk: documents under workflows. `WorkflowDocumentAdmin` is what another domain's admin inherits.

It shows the state, the SLA and the assignee above the form, the user's actions as
buttons (one step, with a comment), the approval history below the form, and makes
the state field read-only (only the engine moves it) and the document read-only in
states whose edit roles the user lacks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from scenic_ops.core import notices
from scenic_ops.core.admin_base import AuditedAdmin, ReadOnlyAdmin
from scenic_ops.core.errors import DomainError
from scenic_ops.core.models import User
from scenic_ops.workflow import registry, services
from scenic_ops.workflow.errors import WorkflowError
from scenic_ops.workflow.models import (
    ApprovalEntry,
    ApprovalRequest,
    DocumentTrack,
    InboxEntry,
    Notification,
)
from scenic_ops.workflow.models.definition import COLOURS


def state_badge(track: DocumentTrack | None, fallback: str = "") -> str:
    if track is None or track.workflow is None:
        return fallback
    state = track.workflow.state_map().get(track.state)
    colour = state.css_colour if state else "#6b7280"
    label = state.display_label if state else _("%(state)s (removed)") % {"state": track.state}
    return format_html(
        '<span class="wf-badge" style="border:1px solid {0};color:{0};border-radius:999px;padding:1px 8px;'
        'font-size:12px;white-space:nowrap">{1}</span>',
        colour,
        label,
    )


def attach_tracks(documents: list, model) -> None:
    """One query for the tracks of a page of documents (list columns read `_wf_track`)."""
    if not documents:
        return
    content_type = ContentType.objects.get_for_model(model)
    tracks = DocumentTrack.objects.filter(
        content_type=content_type, object_id__in=[str(d.pk) for d in documents]
    ).select_related("workflow")
    workflows: dict[int, Any] = {}
    by_id = {}
    for track in tracks:
        if track.workflow_id:
            track.workflow = workflows.setdefault(track.workflow_id, track.workflow)
        by_id[track.object_id] = track
    for document in documents:
        document._wf_track = by_id.get(str(document.pk))


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class WorkflowDocumentAdmin(AuditedAdmin):
    """Base admin for a document type registered with the workflow engine."""

    change_form_outer_before_template = "workflow/admin/panel.html"
    change_form_outer_after_template = "workflow/admin/history_panel.html"

    # --- display -------------------------------------------------------------
    @staticmethod
    def _track(obj):
        if not hasattr(obj, "_wf_track"):
            obj._wf_track = services.track_of(obj)
        return obj._wf_track

    @display(description=gettext_lazy("state"))
    def workflow_state(self, obj):
        return state_badge(self._track(obj), getattr(obj, registry.of(obj).state_field))

    @display(description=gettext_lazy("SLA"))
    def workflow_sla(self, obj):
        track = self._track(obj)
        if track is None or not track.sla_status:
            return "-"
        due = timezone.localtime(track.resolution_due).strftime("%m-%d %H:%M") if track.resolution_due else ""
        return f"{track.get_sla_status_display()} {due}".strip()

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            attach_tracks(list(cl.result_list), self.model)
        return response

    # --- permissions -----------------------------------------------------------
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        spec = registry.get(registry.key_of(self.model))
        if spec is not None and spec.state_field not in fields:
            fields.append(spec.state_field)
        return fields

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.can_edit(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.can_edit(obj, request.user)

    # --- saving ----------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        spec = registry.of(obj)
        if change:
            names = [f.attname for f in obj._meta.concrete_fields if not f.primary_key and f.name != spec.state_field]
            obj.save(update_fields=names)  # never writes the state: only the engine moves it
            if form.changed_data:
                services.document_changed(obj, list(form.changed_data), request.user)
        else:
            super().save_model(request, obj, form, change)
            services.start(obj, request.user)

    # --- the panel -------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            context["wf"] = workflow_context(request, obj, self.model)
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/workflow/apply/",
                view(self.workflow_apply_view),
                name="{}_{}_workflow_apply".format(*info),
            ),
            path(
                "<path:object_id>/workflow/force/",
                view(self.workflow_force_view),
                name="{}_{}_workflow_force".format(*info),
            ),
            path(
                "<path:object_id>/workflow/reassign/",
                view(self.workflow_reassign_view),
                name="{}_{}_workflow_reassign".format(*info),
            ),
            *super().get_urls(),
        ]

    def _posted_object(self, request, object_id):
        if request.method != "POST":
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        info = self.model._meta.app_label, self.model._meta.model_name
        back = reverse("admin:{}_{}_change".format(*info), args=[obj.pk], current_app=self.admin_site.name)
        return obj, _safe_next(request, back)

    def workflow_apply_view(self, request, object_id):
        obj, back = self._posted_object(request, object_id)
        act_on(request, obj)
        return HttpResponseRedirect(back)

    def workflow_force_view(self, request, object_id):
        obj, back = self._posted_object(request, object_id)
        try:
            entry = services.force_state(
                obj, request.POST.get("state", ""), request.user, request.POST.get("comment", "")
            )
        except WorkflowError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Moved to “%(state)s”.") % {"state": entry.to_label})
        return HttpResponseRedirect(back)

    def workflow_reassign_view(self, request, object_id):
        obj, back = self._posted_object(request, object_id)
        to_user = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
        if to_user is None:
            messages.error(request, _("Choose the person to give the document to."))
            return HttpResponseRedirect(back)
        try:
            services.reassign(obj, to_user, request.user, request.POST.get("comment", ""))
        except WorkflowError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Given to %(user)s.") % {"user": to_user})
        return HttpResponseRedirect(back)


def act_on(request, obj: Any) -> bool:
    """Apply the posted action as the user; report the outcome as a desk message."""
    spec = registry.of(obj)
    seen = request.POST.get("state")
    if seen is not None:
        setattr(obj, spec.state_field, seen)  # the state the user saw: a concurrent move is reported
    try:
        with notices.collected() as warnings:
            outcome = services.apply(obj, request.POST.get("action", ""), request.user, request.POST.get("comment", ""))
    except DomainError as exc:  # the engine's refusal, or a domain's (a budget's Stop rule)
        messages.error(request, f"{spec.title_of(obj)}: {exc.detail}")
        return False
    for warning in warnings:
        messages.warning(request, warning)
    if outcome.moved:
        track = services.track_of(obj)
        messages.success(
            request,
            _("%(document)s: %(action)s — now “%(state)s”.")
            % {
                "document": spec.title_of(obj),
                "action": outcome.entry.transition.display_label,
                "state": track.state_label if track else outcome.state,
            },
        )
    else:
        messages.success(
            request,
            _("%(document)s: your approval is recorded (%(votes)d of %(needed)d).")
            % {"document": spec.title_of(obj), "votes": outcome.votes, "needed": outcome.needed},
        )
    return True


def workflow_context(request, obj: Any, model) -> dict[str, Any]:
    """What the document page shows about the document's workflow."""
    user = request.user
    track = services.ensure_track(obj)
    info = model._meta.app_label, model._meta.model_name
    ctx: dict[str, Any] = {"track": track, "history": services.history_rows(obj), "now": timezone.now()}
    if track is None:
        return ctx
    workflow = track.workflow
    state = workflow.state_map().get(track.state) if workflow else None
    ctx.update(
        {
            "state": state,
            "state_label": state.display_label if state else track.state,
            "state_colour": state.css_colour if state else COLOURS["grey"][0],
            "state_removed": track.state_removed,
            "actions": services.available_actions(obj, user, track=track),
            "apply_url": reverse("admin:{}_{}_workflow_apply".format(*info), args=[obj.pk]),
            "escalated_to": list(track.escalated_to.all()) if track.escalation_level else [],
        }
    )
    if user.has_perm("workflow.force_state"):
        active = services.active_workflow(track.document_type) or workflow
        ctx["force_url"] = reverse("admin:{}_{}_workflow_force".format(*info), args=[obj.pk])
        ctx["force_states"] = list(active.states.all()) if active else []
    if user.has_perm("workflow.reassign_documenttrack"):
        ctx["reassign_url"] = reverse("admin:{}_{}_workflow_reassign".format(*info), args=[obj.pk])
        ctx["staff"] = list(User.objects.filter(is_active=True, is_staff=True).order_by("username")[:500])
    return ctx


# --- the general approval request ----------------------------------------------------


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(WorkflowDocumentAdmin):
    list_display = [
        "id",
        "title",
        "amount",
        "department",
        "requester",
        "priority",
        "workflow_state",
        "workflow_sla",
        "created_at",
    ]
    list_filter = ["state", "priority", "department"]
    search_fields = ["title", "description"]
    readonly_fields = ["requester", "created_at"]
    fields = [
        "title",
        "amount",
        "budget_category",
        "department",
        "priority",
        "zone",
        "needed_by",
        "description",
        "requester",
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.requester = request.user
            if obj.department_id is None:
                obj.department = request.user.department
        super().save_model(request, obj, form, change)


# --- the engine's own records -------------------------------------------------------


class Unassigned(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("no", gettext_lazy("Unassigned")), ("me", gettext_lazy("Mine"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(assignee__isnull=True)
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        return queryset


@admin.register(DocumentTrack)
class DocumentTrackAdmin(ModelAdmin):
    list_display = [
        "title_link",
        "document_type",
        "state_badge",
        "assignee",
        "state_entered_at",
        "sla_status",
        "resolution_due",
        "escalation_level",
    ]
    list_filter = ["is_open", Unassigned, "sla_status", "document_type", "workflow"]
    search_fields = ["title", "object_id"]
    list_select_related = ["workflow", "assignee"]
    show_full_result_count = False
    actions = ["assign_to_me"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_reassign_permission(self, request):
        return request.user.has_perm("workflow.reassign_documenttrack")

    @display(description=gettext_lazy("document"))
    def title_link(self, obj):
        spec = registry.get(obj.document_type)
        url = spec.url_of(obj.document()) if spec else ""
        return format_html('<a href="{}">{}</a>', url, obj) if url else str(obj)

    @display(description=gettext_lazy("state"))
    def state_badge(self, obj):
        return state_badge(obj, obj.state)

    @action(description=gettext_lazy("Assign the selected documents to me"), permissions=["reassign"])
    def assign_to_me(self, request, queryset):
        done = 0
        for track in queryset.filter(is_open=True).exclude(assignee=request.user):
            try:
                services.reassign(track.document(), request.user, request.user, _("taken from the unassigned list"))
                done += 1
            except WorkflowError as exc:
                messages.error(request, f"{track}: {exc.detail}")
        messages.success(request, _("%d document(s) assigned to you.") % done)


@admin.register(ApprovalEntry)
class ApprovalEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "track", "kind", "action_label", "from_label", "to_label", "actor_display", "comment"]
    list_filter = ["kind", "track__document_type"]
    search_fields = ["track__title", "actor_name", "on_behalf_of_name", "comment"]
    list_select_related = ["track"]
    show_full_result_count = False

    @display(description=gettext_lazy("by"))
    def actor_display(self, obj):
        return obj.actor_display


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """My notifications (the in-app list); read them on the notifications page."""

    list_display = ["created_at", "subject_display", "event", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)

    @display(description=gettext_lazy("subject"))
    def subject_display(self, obj):
        return format_html('<a href="{}">{}</a>', obj.link, obj.display_subject) if obj.link else obj.display_subject


@admin.register(InboxEntry)
class InboxEntryAdmin(ModelAdmin):
    """A sidebar entry that opens the approvals inbox."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return redirect("workflow-inbox")
