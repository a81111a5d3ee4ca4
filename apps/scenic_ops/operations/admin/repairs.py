"""Desk: repair tickets under the workflow engine (state, SLA, assignee and actions above the form),
with photos, spare parts, the crew's work log and the nearest available crew."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils import timezone
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import display

from scenic_ops.core.views import ServedFileMixin, protect_files
from scenic_ops.operations.admin.dispatching import dispatch_context
from scenic_ops.operations.models import RepairPart, RepairPhoto, RepairTicket, RepairWorkLog
from scenic_ops.operations.services import repairs
from scenic_ops.workflow.admin import WorkflowDocumentAdmin
from scenic_ops.workflow.admin.forms import workflow_states

protect_files("repair-photo", RepairPhoto, "file", owner="ticket")


class PhotoInline(ServedFileMixin, TabularInline):
    model = RepairPhoto
    file_kind = "repair-photo"
    preview_height = 96
    extra = 0
    fields = ["stage", "file", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]


class PartInline(TabularInline):
    model = RepairPart
    extra = 0
    fields = ["name", "quantity", "unit_cost"]


class WorkLogInline(TabularInline):
    model = RepairWorkLog
    extra = 0
    fields = ["at", "action", "by", "note", "latitude", "longitude"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StateFilter(admin.SimpleListFilter):
    """The workflow's states by name (the field holds their codes)."""

    title = gettext_lazy("state")
    parameter_name = "state__exact"
    document_type = "operations.repairticket"

    def lookups(self, request, model_admin):
        return list(workflow_states(self.document_type).items())

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [
            ("1", gettext_lazy("Not closed")),
            ("overdue", gettext_lazy("Past the SLA")),
            ("mine", gettext_lazy("Mine")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in ("1", "overdue", "mine"):
            queryset = queryset.exclude(state__in=["closed", "rejected"])
        if value == "overdue":
            queryset = queryset.filter(resolution_due__lt=timezone.now())
        if value == "mine":
            queryset = queryset.filter(assignee=request.user)
        return queryset


@admin.register(RepairTicket)
class RepairTicketAdmin(WorkflowDocumentAdmin):
    list_display = [
        "id",
        "title",
        "asset",
        "priority_badge",
        "source",
        "workflow_state",
        "assignee",
        "resolution_due",
        "sla_badge",
        "created_at",
    ]
    list_filter = [OpenFilter, StateFilter, "priority", "source", "category", "sla_status"]
    search_fields = ["title", "description", "asset__code", "asset__name"]
    list_select_related = ["asset", "assignee"]
    autocomplete_fields = ["asset"]
    inlines = [PhotoInline, PartInline, WorkLogInline]
    readonly_fields = [
        "source",
        "reported_by",
        "reporter_name",
        "reporter_phone_masked",
        "assignee",
        "resolution_due",
        "sla_label",
        "parts_cost",
        "work_started_at",
        "work_finished_at",
        "restored_at",
        "verified_at",
        "verified_by",
        "alarm",
        "inspection_task",
        "inspection_result",
        "created_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["title", "description", "asset", "zone", "category", "skill", "priority", "failure_at"]},
        ),
        (gettext_lazy("Costs"), {"fields": ["estimated_cost", "labour_hours", "labour_cost", "parts_cost"]}),
        (
            gettext_lazy("Source"),
            {
                "fields": [
                    "source",
                    "reported_by",
                    "reporter_name",
                    "reporter_phone_masked",
                    "latitude",
                    "longitude",
                    "alarm",
                    "inspection_task",
                    "inspection_result",
                ]
            },
        ),
        (
            gettext_lazy("Progress"),
            {
                "fields": [
                    "assignee",
                    "resolution_due",
                    "sla_label",
                    "work_started_at",
                    "work_finished_at",
                    "restored_at",
                    "verified_at",
                    "verified_by",
                    "created_at",
                ]
            },
        ),
    ]
    change_form_outer_after_template = "operations/admin/ticket_after.html"

    @display(
        description=gettext_lazy("priority"),
        label={"urgent": "danger", "high": "warning", "normal": "info", "low": "info"},
    )
    def priority_badge(self, obj):
        return obj.priority, obj.get_priority_display()

    @display(
        description=gettext_lazy("SLA"),
        label={
            "on_track": "success",
            "at_risk": "warning",
            "breached": "danger",
            "missed": "danger",
            "met": "success",
            "paused": "info",
        },
    )
    def sla_badge(self, obj):
        from scenic_ops.workflow.selectors import sla_label

        if not obj.sla_status:
            return ""
        return obj.sla_status, sla_label(obj.sla_status)

    @display(description=gettext_lazy("SLA"))
    def sla_label(self, obj):
        from scenic_ops.workflow.selectors import sla_label

        return sla_label(obj.sla_status)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reported_by = request.user
            obj.source = RepairTicket.Source.STAFF
            if obj.asset_id:
                obj.zone = obj.zone or obj.asset.zone
                obj.skill = obj.skill or obj.asset.category.skill
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for photo in form.instance.photos.filter(uploaded_by__isnull=True):
            RepairPhoto.objects.filter(pk=photo.pk).update(uploaded_by=request.user)
        repairs.refresh_costs(form.instance)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context["dispatch"] = dispatch_context(request, ticket=obj)
        return super().change_view(request, object_id, form_url, context)
