"""Gates desk: gates, lanes, devices (keys), admission rules, the scan log, corrections, offline uploads and conflicts."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from scenic_ops.access import config, desk, services
from scenic_ops.access.errors import REASON_LABELS, AccessError, reason_label
from scenic_ops.access.models import (
    AdmissionRule,
    Conflict,
    CredentialBinding,
    Gate,
    GateDevice,
    Lane,
    OfflineUpload,
    Scan,
    ScanCorrection,
)
from scenic_ops.core import apikeys, audit
from scenic_ops.core.admin_base import AuditedAdmin, CursorPaginator, ReadOnlyAdmin


class ConfigAdmin(AuditedAdmin):
    """Gate configuration reaches this process at once and the other web processes within seconds."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(config.forget)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(config.forget)


class PagesMixin:
    @action(description=_("Live gate panel"), url_path="panel-link")
    def panel_link(self, request):
        return redirect("admin:access_panel")

    @action(description=_("Admissions report"), url_path="report-link")
    def report_link(self, request):
        return redirect("admin:access_report")

    @action(description=_("Find a ticket's history"), url_path="history-link")
    def history_link(self, request):
        return redirect("admin:access_history")


@admin.register(Gate)
class GateAdmin(PagesMixin, ConfigAdmin):
    list_display = ["code", "name", "zone", "scope", "anti_passback", "offline_id_cards", "active"]
    list_filter = ["scope", "active"]
    search_fields = ["code", "name"]
    actions_list = ["panel_link", "report_link", "history_link"]

    def get_urls(self):
        site = self.admin_site
        return [
            path("panel/", site.admin_view(lambda r: desk.panel_view(site, r)), name="access_panel"),
            path("panel/body/", site.admin_view(lambda r: desk.panel_body_view(site, r)), name="access_panel_body"),
            path("report/", site.admin_view(lambda r: desk.report_view(site, r)), name="access_report"),
            path("history/", site.admin_view(lambda r: desk.history_view(site, r)), name="access_history"),
            *super().get_urls(),
        ]


@admin.register(Lane)
class LaneAdmin(ConfigAdmin):
    list_display = ["code", "name", "gate", "direction", "accepted", "active"]
    list_filter = ["gate", "direction", "active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["products"]

    @display(description=_("accepted products"))
    def accepted(self, obj):
        names = [p.name for p in obj.products.all()]
        return "、".join(names) if names else _("default")


@admin.register(GateDevice)
class GateDeviceAdmin(ConfigAdmin):
    list_display = [
        "code",
        "name",
        "lane",
        "status",
        "last_heartbeat_at",
        "clock_offset_ms",
        "whitelist_version",
        "offline_queue",
        "active",
    ]
    list_filter = ["active", "lane__gate"]
    search_fields = ["code", "name", "serial"]
    readonly_fields = [
        "key_prefix",
        "last_heartbeat_at",
        "clock_offset_ms",
        "whitelist_version",
        "offline_queue",
        "firmware",
    ]
    actions = ["rotate_keys"]

    @display(description=_("status"), label={"online": "success", "offline": "danger", "off": "info"})
    def status(self, obj):
        if not obj.active:
            return "off", _("switched off")
        return ("online", _("online")) if obj.is_online() else ("offline", _("offline"))

    @display(description=_("device key"))
    def key_prefix(self, obj):
        return f"sk_{obj.api_key.prefix}_…" if obj.api_key_id else "—"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        issued = apikeys.issue(
            f"gate {obj.code}", kind="device", scopes=[services.SCOPE], subject=f"gate-device:{obj.code}"
        )
        obj.api_key = issued.key
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The device key, shown only now — enter it in the gate's configuration:"),
                issued.secret,
            ),
        )

    @admin.action(description=_("Issue new device keys (the old ones stop working)"), permissions=["change"])
    def rotate_keys(self, request, queryset):
        for device in queryset[:50]:
            secret = services.rotate_device_key(device, user=request.user)
            messages.warning(request, format_html("{}: <code>{}</code>", device.code, secret))


@admin.register(AdmissionRule)
class AdmissionRuleAdmin(ConfigAdmin):
    list_display = ["product", "early_minutes", "until", "late_minutes", "reentry", "reentry_times"]
    list_filter = ["reentry", "until"]


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return [(code.value, label) for code, label in REASON_LABELS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(reason=self.value()) if self.value() else queryset


@admin.register(Scan)
class ScanAdmin(PagesMixin, ReadOnlyAdmin):
    """The scan log: millions of rows, never edited; a wrong count is fixed by a correction."""

    list_display = ["at", "gate", "lane", "direction", "method", "outcome", "reason_text", "ticket_code", "offline"]
    list_filter = ["outcome", ReasonFilter, "method", "direction", "offline", ("at", admin.DateFieldListFilter)]
    search_fields = ["=ticket_code"]
    paginator = CursorPaginator
    show_full_result_count = False
    list_per_page = 50
    actions_list = ["panel_link", "report_link", "history_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("gate", "lane")

    @display(description=_("reason"))
    def reason_text(self, obj):
        return reason_label(obj.reason)


class CorrectionForm(forms.ModelForm):
    class Meta:
        model = ScanCorrection
        fields = ["kind", "gate", "scan", "at", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gate"].required = False
        self.fields["at"].required = False
        self.fields["at"].help_text = _("When the person passed; empty: now. For a void, the scan's time.")
        self.fields["scan"].help_text = _("For a void: the id of the scan (see the scan log).")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        scan = data.get("scan")
        if kind == ScanCorrection.Kind.VOID:
            if scan is None:
                self.add_error("scan", _("Choose the scan to void."))
            elif not (scan.counted and scan.passed):
                self.add_error("scan", _("Only a scan that let someone pass (and was counted) can be voided."))
        elif kind and data.get("gate") is None:
            self.add_error("gate", _("Choose the gate where the person passed."))
        return data


@admin.register(ScanCorrection)
class ScanCorrectionAdmin(AuditedAdmin):
    form = CorrectionForm
    list_display = ["created_at", "kind", "gate", "scan", "at", "entries", "exits", "reason", "created_by"]
    list_filter = ["kind", "gate"]
    raw_id_fields = ["scan"]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("access.view_scancorrection")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            made = services.post_correction(
                data["kind"],
                reason=data["reason"],
                gate=data.get("gate"),
                scan=data.get("scan"),
                at=data.get("at"),
                user=request.user,
            )
        except AccessError as exc:
            messages.error(request, exc.detail)
            raise
        obj.pk = made.pk
        obj._state.adding = False


@admin.register(OfflineUpload)
class OfflineUploadAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "device", "batch", "rows", "applied", "admitted", "duplicates", "rejected"]
    list_filter = ["device"]
    search_fields = ["=batch"]
    readonly_fields = ["pretty_report"]
    exclude = ["report"]

    @display(description=_("report"))
    def pretty_report(self, obj):
        return format_html("<pre class='text-xs'>{}</pre>", json.dumps(obj.report, ensure_ascii=False, indent=2))


@admin.register(Conflict)
class ConflictAdmin(AuditedAdmin):
    list_display = ["created_at", "kind", "status", "ticket_code", "flagged", "first", "reason", "resolved_by"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Conflict._meta.fields] + ["history_link"]
    actions = ["confirm", "dismiss"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scan", "first_scan", "resolved_by")

    @display(description=_("ticket"))
    def ticket_code(self, obj):
        return obj.scan.ticket_code

    @display(description=_("flagged scan"))
    def flagged(self, obj):
        return f"{timezone.localtime(obj.scan.at):%m-%d %H:%M:%S} #{obj.scan_id}"

    @display(description=_("first admission"))
    def first(self, obj):
        return f"{timezone.localtime(obj.first_scan.at):%m-%d %H:%M:%S} #{obj.first_scan_id}" if obj.first_scan else "—"

    @display(description=_("history"))
    def history_link(self, obj):
        return format_html(
            '<a class="text-primary-600" href="../../history/?q={}">{}</a>', obj.scan.ticket_code, _("open")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _resolve(self, request, queryset, status):
        done = 0
        for conflict in queryset.filter(status=Conflict.Status.OPEN)[:200]:
            try:
                services.resolve_conflict(conflict, status, note=str(_("checked in the desk")), user=request.user)
                done += 1
            except AccessError as exc:
                messages.warning(request, exc.detail)
        messages.success(request, _("%(n)s conflicts resolved.") % {"n": done})

    @admin.action(description=_("Checked: a second person entered (count the entry)"), permissions=["change"])
    def confirm(self, request, queryset):
        self._resolve(request, queryset, Conflict.Status.CONFIRMED)

    @admin.action(description=_("Checked: the same person (no change)"), permissions=["change"])
    def dismiss(self, request, queryset):
        self._resolve(request, queryset, Conflict.Status.DISMISSED)


@admin.register(CredentialBinding)
class CredentialBindingAdmin(ModelAdmin):
    """Face-match ids and cards bound to visitors (no images). Deleting one withdraws the binding."""

    list_display = ["kind", "value_masked", "id_masked", "vendor", "source", "consent_at", "expires_at"]
    list_filter = ["kind", "source"]
    exclude = ["value_enc", "value_index", "id_index"]
    readonly_fields = [
        "kind",
        "value_masked",
        "id_masked",
        "vendor",
        "source",
        "consent_at",
        "expires_at",
        "created_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("access.view_credentialbinding")

    def delete_model(self, request, obj):
        with audit.acting_as(request.user):
            super().delete_model(request, obj)
