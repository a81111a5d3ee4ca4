"""Desk: workflows with their states and transitions, edited on one page and checked as a whole."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin
from scenic_ops.workflow import registry
from scenic_ops.workflow.admin.forms import StateForm, StateFormSet, TransitionForm, TransitionFormSet, WorkflowForm
from scenic_ops.workflow.models import DocumentTrack, Workflow, WorkflowState, WorkflowTransition


class StateInline(TabularInline):
    model = WorkflowState
    form = StateForm
    formset = StateFormSet
    extra = 0
    min_num = 1
    verbose_name = gettext_lazy("state")
    verbose_name_plural = gettext_lazy("states")


class TransitionInline(StackedInline):
    model = WorkflowTransition
    form = TransitionForm
    formset = TransitionFormSet
    extra = 0
    autocomplete_fields = ["allowed_users"]
    verbose_name = gettext_lazy("transition")
    verbose_name_plural = gettext_lazy("transitions")
    fieldsets = (
        (None, {"fields": ("from_state", "action", "to_state", "label", "label_en", "condition", "position")}),
        (
            gettext_lazy("Who may take it (any of these)"),
            {
                "fields": (
                    "allowed_roles",
                    "allowed_users",
                    "approver_departments",
                    "requester",
                    "requester_manager",
                    "department_head",
                    "assignee",
                    "approver_field",
                )
            },
        ),
        (
            gettext_lazy("Approval"),
            {"fields": ("approval_mode", "quorum", "allow_self_approval", "comment_required")},
        ),
    )


@admin.register(Workflow)
class WorkflowAdmin(AuditedAdmin):
    form = WorkflowForm
    inlines = [StateInline, TransitionInline]
    list_display = ["name", "document_type_label", "is_active", "state_count", "open_documents", "updated_at"]
    list_filter = ["is_active", "document_type"]
    search_fields = ["name", "description"]
    readonly_fields = ["removed_state_documents"]
    fieldsets = (
        (None, {"fields": ("name", "document_type", "state_field", "is_active", "description")}),
        (gettext_lazy("Documents"), {"fields": ("removed_state_documents",)}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_states=Count("states", distinct=True),
                n_open=Count("tracks", filter=Q(tracks__is_open=True), distinct=True),
            )
        )

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        for formset in formsets:
            formset.siblings = formsets  # the transitions are checked against the states being saved
        return formsets, inline_instances

    @display(description=gettext_lazy("document type"))
    def document_type_label(self, obj):
        spec = registry.get(obj.document_type)
        return spec.label if spec else obj.document_type

    @display(description=gettext_lazy("states"))
    def state_count(self, obj):
        return obj.n_states

    @display(description=gettext_lazy("open documents"))
    def open_documents(self, obj):
        return obj.n_open

    @display(description=gettext_lazy("in states this workflow no longer has"))
    def removed_state_documents(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        codes = set(obj.states.values_list("code", flat=True))
        stranded = DocumentTrack.objects.filter(workflow=obj, is_open=True).exclude(state__in=codes)
        n = stranded.count()
        if not n:
            return _("none")
        return _("%(n)d document(s); an administrator moves them on from the document's page") % {"n": n}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        workflow = form.instance
        codes = set(workflow.states.values_list("code", flat=True))
        stranded = (
            DocumentTrack.objects.filter(workflow=workflow, is_open=True).exclude(state__in=codes).values("state")
        )
        states = sorted({row["state"] for row in stranded})
        if states:
            messages.warning(
                request,
                _(
                    "Documents are still in removed states (%(states)s). They stay visible; an administrator "
                    "can move them to a current state from each document's page."
                )
                % {"states": ", ".join(states)},
            )
