"""Desk: checklist templates, inspection plans with their routes, the day's tasks with results,
and inspection compliance by team."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import action, display

from scenic_ops.core.admin_base import AuditedAdmin, DeskPageAdmin
from scenic_ops.core.dashboard import Card
from scenic_ops.core.views import protect_files, thumbnail_link
from scenic_ops.operations import selectors
from scenic_ops.operations.models import (
    ChecklistItem,
    ChecklistTemplate,
    InspectionCompliance,
    InspectionPlan,
    InspectionResult,
    InspectionTask,
    RoutePoint,
)
from scenic_ops.operations.services import inspections

protect_files("inspection-photo", InspectionResult, "photo", owner="task")


class ChecklistItemInline(TabularInline):
    model = ChecklistItem
    extra = 0
    fields = [
        "position",
        "label",
        "label_en",
        "kind",
        "required",
        "expected_yes",
        "min_value",
        "max_value",
        "pass_min",
        "pass_max",
        "unit",
        "choices",
        "failing_choices",
        "photo_required",
        "opens_ticket",
        "ticket_priority",
    ]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(AuditedAdmin):
    list_display = ["name", "name_en", "items", "active"]
    search_fields = ["name", "name_en"]
    inlines = [ChecklistItemInline]

    @display(description=gettext_lazy("items"))
    def items(self, obj):
        return obj.items.count()


class RoutePointInline(TabularInline):
    model = RoutePoint
    extra = 0
    fields = ["position", "name", "asset", "zone", "latitude", "longitude"]
    autocomplete_fields = ["asset"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(AuditedAdmin):
    list_display = ["name", "template", "frequency", "start_time", "duration_minutes", "role", "department", "active"]
    list_filter = ["frequency", "active", "role", "department"]
    search_fields = ["name", "name_en"]
    inlines = [RoutePointInline]
    actions = ["create_today"]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "template", "active", "valid_from", "valid_until"]}),
        (gettext_lazy("When"), {"fields": ["frequency", "weekdays", "cron", "start_time", "duration_minutes"]}),
        (gettext_lazy("Done by"), {"fields": ["role", "department", "assignee", "zone", "escalate_after_minutes"]}),
    ]

    @action(description=gettext_lazy("Create today's tasks now (skips existing ones)"))
    def create_today(self, request, queryset):
        result = inspections.create_daily_tasks()
        messages.success(
            request,
            _("%(created)d task(s) created, %(existing)d already there.")
            % {"created": result["created"], "existing": result["existing"]},
        )


class ResultInline(TabularInline):
    model = InspectionResult
    extra = 0
    fields = ["point", "item", "answer_display", "passed", "note", "photo_link", "answered_by", "answered_at", "where"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @display(description=gettext_lazy("reply"))
    def answer_display(self, obj):
        return obj.answer_display

    @display(description=gettext_lazy("photo"))
    def photo_link(self, obj):
        return thumbnail_link("inspection-photo", obj, height=64)

    @display(description=gettext_lazy("where"))
    def where(self, obj):
        if obj.latitude is None:
            return ""
        return f"{obj.latitude}, {obj.longitude}" + (f" ±{obj.accuracy_m} m" if obj.accuracy_m else "")


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", gettext_lazy("Overdue now"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(
                state__in=[InspectionTask.State.PENDING, InspectionTask.State.IN_PROGRESS], due_at__lt=timezone.now()
            )
        return queryset


@admin.register(InspectionTask)
class InspectionTaskAdmin(AuditedAdmin):
    list_display = ["plan", "day", "assignee", "department", "state_badge", "due_at", "completed_at", "failed_items"]
    list_filter = ["state", OverdueFilter, "department", "plan"]
    search_fields = ["plan__name", "assignee__username", "assignee__display_name"]
    list_select_related = ["plan", "assignee", "department"]
    date_hierarchy = "day"
    inlines = [ResultInline]
    readonly_fields = [
        "plan",
        "day",
        "state",
        "starts_at",
        "due_at",
        "started_at",
        "completed_at",
        "completed_by",
        "failed_items",
        "latitude",
        "longitude",
        "reminded_at",
        "escalated_at",
    ]
    fields = ["plan", "day", "assignee", "department", *readonly_fields[2:]]

    def has_add_permission(self, request):
        return False

    @display(
        description=gettext_lazy("state"),
        label={"pending": "info", "in_progress": "warning", "done": "success", "missed": "danger", "overdue": "danger"},
    )
    def state_badge(self, obj):
        if obj.is_overdue(timezone.now()):
            return "overdue", _("Overdue")
        return obj.state, obj.get_state_display()


@admin.register(InspectionCompliance)
class InspectionComplianceAdmin(DeskPageAdmin):
    """Inspection compliance by team over a period, with a chart."""

    def page_view(self, request):
        today = timezone.localdate()
        try:
            days = max(1, min(366, int(request.GET.get("days", "7"))))
        except ValueError:
            days = 7
        start = today - dt.timedelta(days=days - 1)
        rows = selectors.compliance(start, today)
        english = (request.LANGUAGE_CODE or "").startswith("en")
        teams = [r["team_en"] if english else r["team"] for r in rows]
        chart = Card(
            title=_("Inspections by team"),
            chart_type="bar",
            labels=teams,
            datasets=[
                {"name": _("On time"), "values": [r["on_time"] for r in rows]},
                {"name": _("Late"), "values": [r["late"] for r in rows]},
                {"name": _("Overdue"), "values": [r["overdue"] for r in rows]},
                {"name": _("Not done"), "values": [r["missed"] for r in rows]},
            ],
            colors=["#10b981", "#f59e0b", "#ef4444", "#6b7280"],
        )
        return self.render_page(
            request,
            "operations/admin/compliance.html",
            _("Inspection compliance"),
            rows=rows,
            english=english,
            days=days,
            start=start,
            end=today,
            chart=chart,
            periods=[1, 7, 30, 90],
        )
