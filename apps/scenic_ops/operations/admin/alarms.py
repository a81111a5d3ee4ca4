"""Desk: alarm rules and the alarm console (open alarms first, acknowledge, clear, open a ticket, call crew)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import action, display

from scenic_ops.core.admin_base import AuditedAdmin
from scenic_ops.operations.errors import OpsError
from scenic_ops.operations.models import Alarm, AlarmRule
from scenic_ops.operations.services import alarms


@admin.register(AlarmRule)
class AlarmRuleAdmin(AuditedAdmin):
    list_display = ["name", "kind", "category", "asset", "metric", "threshold", "severity", "create_ticket", "enabled"]
    list_filter = ["kind", "severity", "enabled", "create_ticket"]
    search_fields = ["name", "metric"]
    autocomplete_fields = ["asset"]
    fieldsets = [
        (None, {"fields": ["name", "enabled", "kind", "severity", "category", "asset"]}),
        (gettext_lazy("Metric threshold"), {"fields": ["metric", "operator", "threshold", "clear_threshold"]}),
        (gettext_lazy("Fault codes and statuses"), {"fields": ["fault_codes", "statuses"]}),
        (
            gettext_lazy("What follows"),
            {"fields": ["auto_clear", "notify_roles", "create_ticket", "ticket_priority", "raise_site_warning"]},
        ),
    ]


class AlarmStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [("all", gettext_lazy("All")), ("cleared", gettext_lazy("Cleared"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Not cleared"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "cleared":
            return queryset.filter(state=Alarm.State.CLEARED)
        return queryset.exclude(state=Alarm.State.CLEARED)


@admin.register(Alarm)
class AlarmAdmin(AuditedAdmin):
    """The alarm console."""

    list_display = [
        "severity_badge",
        "title",
        "asset",
        "state_badge",
        "first_at",
        "last_at",
        "occurrences",
        "ticket_link",
        "acknowledged_by",
    ]
    list_filter = [AlarmStateFilter, "severity", "kind", "asset__category"]
    search_fields = ["title", "asset__code", "asset__name", "cause"]
    list_select_related = ["asset", "ticket", "acknowledged_by"]
    readonly_fields = [
        "rule",
        "asset",
        "device",
        "kind",
        "cause",
        "severity",
        "title",
        "value",
        "state",
        "first_at",
        "last_at",
        "occurrences",
        "raised_at",
        "acknowledged_at",
        "acknowledged_by",
        "cleared_at",
        "cleared_by",
        "clear_reason",
        "ticket",
        "site_warning",
    ]
    fields = [*readonly_fields[:10], "note", *readonly_fields[10:]]
    actions = ["acknowledge", "clear", "open_ticket"]
    list_before_template = "operations/admin/alarm_console.html"
    change_form_outer_after_template = "operations/admin/dispatch_panel.html"

    def has_add_permission(self, request):
        return False

    @display(description=gettext_lazy("severity"), label={"critical": "danger", "warning": "warning", "info": "info"})
    def severity_badge(self, obj):
        return obj.severity, obj.get_severity_display()

    @display(
        description=gettext_lazy("state"), label={"open": "danger", "acknowledged": "warning", "cleared": "success"}
    )
    def state_badge(self, obj):
        return obj.state, obj.get_state_display()

    @display(description=gettext_lazy("repair ticket"))
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return ""
        return format_html('<a href="/admin/operations/repairticket/{}/change/">#{}</a>', obj.ticket_id, obj.ticket_id)

    @action(description=gettext_lazy("Acknowledge"), permissions=["change"])
    def acknowledge(self, request, queryset):
        done = 0
        for alarm in queryset.filter(state=Alarm.State.OPEN):
            alarms.acknowledge(alarm, request.user)
            done += 1
        messages.success(request, _("%d alarm(s) acknowledged.") % done)

    @action(description=gettext_lazy("Clear"), permissions=["change"])
    def clear(self, request, queryset):
        done = sum(alarms.clear(a, reason=_("cleared in the desk"), user=request.user) for a in queryset)
        messages.success(request, _("%d alarm(s) cleared.") % done)

    @action(description=gettext_lazy("Open a repair ticket"), permissions=["change"])
    def open_ticket(self, request, queryset):
        for alarm in queryset.filter(ticket__isnull=True).select_related("asset", "asset__category", "rule"):
            try:
                ticket = alarms.open_ticket(alarm, user=request.user)
            except OpsError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("Repair ticket %(ticket)s opened.") % {"ticket": ticket})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from scenic_ops.operations.admin.dispatching import dispatch_context

        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            context["dispatch"] = dispatch_context(request, alarm=obj)
        return super().change_view(request, object_id, form_url, context)
