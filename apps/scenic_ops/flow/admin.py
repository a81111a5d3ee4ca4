"""The visitor-flow desk: devices and their feed health, car parks, queues, notices, warning
policies, level history, sales halts, count corrections, daily history, forecasts, platform reports."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action, display

from scenic_ops.core.admin_base import AuditedAdmin, ReadOnlyAdmin
from scenic_ops.flow import live
from scenic_ops.flow.models import (
    CountAdjustment,
    CountingDevice,
    DailyFlow,
    DeviceReading,
    Forecast,
    ForecastWarning,
    LevelChange,
    Notice,
    ParkingLot,
    ProvincialReport,
    ReportingEndpoint,
    SafetyWarning,
    SalesHalt,
    WaitQueue,
    WarningPolicy,
)
from scenic_ops.flow.services import counting, devices, levels, notices, reporting


@admin.register(CountingDevice)
class CountingDeviceAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "zone",
        "health",
        "last_seen_at",
        "accepted_count",
        "rejected_count",
        "last_error",
    ]
    list_filter = ["kind", "active", "zone"]
    search_fields = ["code", "name"]
    readonly_fields = [
        "api_key",
        "last_seen_at",
        "last_reading_at",
        "accepted_count",
        "rejected_count",
        "last_error",
        "last_error_at",
    ]
    actions = ["issue_keys"]

    @display(description=_("feed"), label={_("ok"): "success", _("silent"): "danger", _("off"): "info"})
    def health(self, obj):
        if not obj.active:
            return _("off")
        return _("silent") if obj.is_stale() else _("ok")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            secret = devices.issue_key(obj)
            messages.warning(
                request, _("API key of %(device)s (shown once): %(secret)s") % {"device": obj.code, "secret": secret}
            )

    @action(description=_("Issue a new API key (the old one stops working)"))
    def issue_keys(self, request, queryset):
        for device in queryset:
            secret = devices.issue_key(device)
            messages.warning(
                request, _("API key of %(device)s (shown once): %(secret)s") % {"device": device.code, "secret": secret}
            )


@admin.register(DeviceReading)
class DeviceReadingAdmin(ReadOnlyAdmin):
    list_display = ["device", "start", "seconds", "entries", "exits", "free", "length", "revision", "received_at"]
    list_filter = ["device"]
    date_hierarchy = "start"
    list_select_related = ["device"]

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        from scenic_ops.core.admin_base import CursorPaginator

        return CursorPaginator(queryset, per_page, orphans, allow_empty_first_page)


class LiveAdmin(AuditedAdmin):
    """Edits here change what the public pages show: signal the live stream."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        live.changed(evaluate=False)


@admin.register(ParkingLot)
class ParkingLotAdmin(LiveAdmin):
    list_display = ["zone", "spaces", "vehicles", "free", "state_at", "overflow"]
    readonly_fields = ["occupied", "reading_at", "state_at"]

    @display(description=_("vehicles in"))
    def vehicles(self, obj):
        return obj.vehicles

    @display(description=_("free spaces"))
    def free(self, obj):
        return obj.free


@admin.register(WaitQueue)
class WaitQueueAdmin(LiveAdmin):
    list_display = ["code", "name", "zone", "mode", "length", "waiting", "state_at", "active"]
    list_filter = ["mode", "active"]
    readonly_fields = ["length", "state_at"]

    @display(description=_("waiting time (minutes)"))
    def waiting(self, obj):
        return obj.wait_minutes

    def save_model(self, request, obj, form, change):
        if "manual_minutes" in form.changed_data or "mode" in form.changed_data:
            obj.state_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Notice)
class NoticeAdmin(LiveAdmin):
    list_display = ["__str__", "traffic_note", "banner", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Notice.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data.get(name, "") for name in ("traffic_note", "traffic_note_en", "banner", "banner_en")
        }
        obj.__dict__.update(notices.publish_notice(user=request.user, **fields).__dict__)


@admin.register(WarningPolicy)
class WarningPolicyAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "yellow_percent",
        "orange_percent",
        "red_percent",
        "hysteresis_percent",
        "stop_sales_level",
        "active",
    ]
    fieldsets = (
        (None, {"fields": ("zone", "active", "basis")}),
        (
            _("Thresholds (LB/T 068-2017)"),
            {"fields": ("yellow_percent", "orange_percent", "red_percent", "hysteresis_percent", "min_hold_seconds")},
        ),
        (
            _("Actions"),
            {
                "fields": (
                    "banner_level",
                    "notify_level",
                    "notify_roles",
                    "sms_level",
                    "sms_recipients",
                    "stop_sales_level",
                    "report_level",
                )
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.zone_id is None)


@admin.register(SafetyWarning)
class SafetyWarningAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "level", "reason", "source", "cleared_at"]
    list_filter = ["level", ("cleared_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "raised_at"
    actions = ["clear_selected"]

    def has_clear_permission(self, request, object_id=None):
        return request.user.has_perm("flow.change_safetywarning")

    @action(description=_("Clear the selected warnings"), permissions=["clear"])
    def clear_selected(self, request, queryset):
        from scenic_ops.flow.services.safety import clear_safety_warning

        cleared = sum(clear_safety_warning(source=w.source) for w in queryset.filter(active_key__isnull=False))
        messages.success(request, _("%d warning(s) cleared.") % cleared)


@admin.register(LevelChange)
class LevelChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "place",
        "from_level",
        "to_level",
        "load_percent",
        "count",
        "capacity",
        "cause",
        "actions_taken",
    ]
    list_filter = ["to_level", "zone"]
    date_hierarchy = "at"
    list_select_related = ["zone"]

    @display(description=_("place"))
    def place(self, obj):
        return obj.zone or _("Whole scenic area")

    @display(description=_("actions taken"))
    def actions_taken(self, obj):
        return ", ".join(obj.actions or [])


class SalesHaltForm(forms.ModelForm):
    class Meta:
        model = SalesHalt
        fields = ["day", "halted", "reason"]


@admin.register(SalesHalt)
class SalesHaltAdmin(AuditedAdmin):
    form = SalesHaltForm
    list_display = ["day", "halted", "source", "reason", "since", "resumed_at"]
    list_filter = ["halted", "source"]
    readonly_fields = ["source", "since", "resumed_at", "level_change", "changed_by"]

    def get_changeform_initial_data(self, request):
        return {"day": timezone.localdate(), "halted": True}

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("reason") or str(_("Stopped by an operator"))
        if form.cleaned_data["halted"]:
            result = levels.halt_sales(obj.day, reason=reason, user=request.user)
        else:
            levels.resume_sales(obj.day, reason=reason, user=request.user)
            result = SalesHalt.objects.filter(day=obj.day).first()
        if result is not None:
            obj.__dict__.update(result.__dict__)


class CountAdjustmentForm(forms.ModelForm):
    counted = forms.IntegerField(label=_("people counted"), min_value=0)

    class Meta:
        model = CountAdjustment
        fields = ["zone", "counted", "reason"]


@admin.register(CountAdjustment)
class CountAdjustmentAdmin(AuditedAdmin):
    form = CountAdjustmentForm
    list_display = ["created_at", "day", "zone", "counted", "delta", "reason", "created_by"]
    list_filter = ["zone"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = counting.correct_in_park(
            form.cleaned_data.get("zone"), form.cleaned_data["counted"], form.cleaned_data["reason"], user=request.user
        )
        obj.__dict__.update(created.__dict__)


@admin.register(DailyFlow)
class DailyFlowAdmin(AuditedAdmin):
    list_display = ["day", "entries", "peak_in_park", "booked", "forecast", "closed", "capped", "source"]
    list_filter = ["source", "closed", "capped"]
    date_hierarchy = "day"
    readonly_fields = ["entries", "exits", "peak_in_park", "booked", "source"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("forecast a day ahead"))
    def forecast(self, obj):
        row = Forecast.objects.filter(day=obj.day, horizon=1).order_by("-issued_on").first()
        return row.predicted if row else "—"


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdmin):
    list_display = ["day", "issued_on", "horizon", "predicted", "high", "booked", "actual", "model"]
    list_filter = ["horizon", "model"]
    date_hierarchy = "day"

    @display(description=_("actual"))
    def actual(self, obj):
        row = DailyFlow.objects.filter(day=obj.day).first()
        return row.entries if row else "—"


@admin.register(ForecastWarning)
class ForecastWarningAdmin(ReadOnlyAdmin):
    list_display = ["day", "predicted", "capacity", "load_percent", "active", "suggestion", "raised_at"]
    list_filter = ["active"]


class ReportingEndpointForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the current secret."),
    )

    class Meta:
        model = ReportingEndpoint
        fields = ["name", "url", "site_code", "realtime_minutes", "daily", "enabled"]

    def save(self, commit=True):
        endpoint = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            reporting.set_secret(endpoint, self.cleaned_data["secret"])
        if commit:
            endpoint.save()
        return endpoint


@admin.register(ReportingEndpoint)
class ReportingEndpointAdmin(AuditedAdmin):
    form = ReportingEndpointForm
    list_display = ["name", "url", "realtime_minutes", "daily", "enabled", "last_realtime_at", "last_daily_for"]
    readonly_fields = ["last_realtime_at", "last_daily_for"]


@admin.register(ProvincialReport)
class ProvincialReportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "endpoint", "kind", "period", "delivery", "attempts", "answer"]
    list_filter = ["kind", "endpoint"]
    list_select_related = ["endpoint", "message"]
    readonly_fields = ["endpoint", "kind", "period", "created_at", "delivery", "attempts", "answer", "payload_pretty"]
    fields = readonly_fields

    @display(
        description=_("delivery"), label={"sent": "success", "pending": "info", "retrying": "warning", "dead": "danger"}
    )
    def delivery(self, obj):
        return obj.message.status if obj.message_id else "—"

    @display(description=_("attempts"))
    def attempts(self, obj):
        return obj.message.attempts if obj.message_id else 0

    @display(description=_("answer"))
    def answer(self, obj):
        if not obj.message_id:
            return "—"
        return obj.message.last_error or obj.message.provider_ref or "—"

    @display(description=_("payload"))
    def payload_pretty(self, obj):
        return format_html(
            "<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2)
        )
