"""Desk: asset categories, assets (with their page: alarms, inspections, tickets, costs, MTTR/MTBF),
inspection certificates, devices and their telemetry, QR labels."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import action, display

from scenic_ops.core.admin_base import AuditedAdmin, CursorPaginator, ReadOnlyAdmin
from scenic_ops.core.views import ServedFileMixin, protect_files
from scenic_ops.operations import selectors
from scenic_ops.operations.models import Asset, AssetCategory, AssetDocument, Certificate, Device, TelemetryRecord
from scenic_ops.operations.services import certificates, labels, telemetry

protect_files("asset-document", AssetDocument, "file", owner="asset")
protect_files("certificate-scan", Certificate, "file", owner="asset")


@admin.register(AssetCategory)
class AssetCategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "kind", "skill", "special_equipment"]
    list_filter = ["kind", "special_equipment"]
    search_fields = ["code", "name", "name_en"]


class CertificateInline(ServedFileMixin, TabularInline):
    model = Certificate
    file_kind = "certificate-scan"
    extra = 0
    fields = ["number", "issued_by", "issued_on", "expires_on", "file", "state"]
    readonly_fields = ["state"]


class DocumentInline(ServedFileMixin, TabularInline):
    model = AssetDocument
    file_kind = "asset-document"
    extra = 0
    fields = ["kind", "title", "file", "uploaded_at"]
    readonly_fields = ["uploaded_at"]


class DeviceInline(TabularInline):
    model = Device
    extra = 0
    fields = ["code", "name", "offline_after_minutes", "active", "online", "status", "last_seen_at"]
    readonly_fields = ["online", "status", "last_seen_at"]
    show_change_link = True


@admin.register(Asset)
class AssetAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "zone",
        "status_badge",
        "special_equipment",
        "certificate_expiry",
        "open_alarms",
        "parent",
    ]
    list_filter = ["category", "status", "special_equipment", "zone"]
    search_fields = ["code", "name", "name_en", "serial_no", "registration_no"]
    list_select_related = ["category", "zone", "parent"]
    autocomplete_fields = ["parent"]
    inlines = [CertificateInline, DocumentInline, DeviceInline]
    readonly_fields = ["qr_token", "created_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "category", "parent", "status", "department"]}),
        (gettext_lazy("Location"), {"fields": ["zone", "latitude", "longitude"]}),
        (
            gettext_lazy("Vendor and warranty"),
            {"fields": ["vendor", "model_no", "serial_no", "installed_on", "warranty_until", "purchase_cost"]},
        ),
        (gettext_lazy("Special equipment"), {"fields": ["special_equipment", "registration_no"]}),
        (gettext_lazy("More"), {"fields": ["notes", "qr_token", "created_at"]}),
    ]
    actions = ["print_labels"]
    change_form_outer_after_template = "operations/admin/asset_panel.html"

    @display(
        description=gettext_lazy("status"),
        label={"in_service": "success", "out_of_order": "danger", "in_maintenance": "warning", "retired": "info"},
    )
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=gettext_lazy("certificate expires"))
    def certificate_expiry(self, obj):
        cert = obj.certificates.filter(state=Certificate.State.VALID).order_by("-expires_on").first()
        return cert.expires_on if cert else ("—" if obj.special_equipment else "")

    @display(description=gettext_lazy("open alarms"))
    def open_alarms(self, obj):
        return obj.alarms.exclude(state="cleared").count() or ""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, AssetDocument) and instance.uploaded_by_id is None:
                instance.uploaded_by = request.user
            if isinstance(instance, Certificate) and instance.pk is None:
                certificates.renew(instance)
            else:
                instance.save()
        formset.save_m2m()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context["ops"] = selectors.asset_overview(obj)
            context["qr_svg"] = labels.qr_svg(labels.asset_url(obj, request))
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/label/", view(self.label_view), name="operations_asset_label"),
            *super().get_urls(),
        ]

    def label_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return self._labels(request, [obj])

    @action(description=gettext_lazy("Print QR labels"))
    def print_labels(self, request, queryset):
        return self._labels(request, list(queryset.select_related("category", "zone")[:200]))

    def _labels(self, request, assets):
        rows = [
            {"asset": a, "svg": labels.qr_svg(labels.asset_url(a, request)), "url": labels.asset_url(a, request)}
            for a in assets
        ]
        return TemplateResponse(
            request,
            "operations/admin/labels.html",
            {"labels": rows, "site_name": settings.SITE_NAME, "title": _("QR labels")},
        )


@admin.register(Certificate)
class CertificateAdmin(ServedFileMixin, AuditedAdmin):
    file_kind = "certificate-scan"
    list_display = ["asset", "number", "issued_by", "issued_on", "expires_on", "days_left", "state"]
    list_filter = ["state"]
    search_fields = ["number", "asset__code", "asset__name"]
    autocomplete_fields = ["asset"]
    readonly_fields = ["state", "asset_name"]
    date_hierarchy = "expires_on"

    @display(description=gettext_lazy("days left"))
    def days_left(self, obj):
        return (obj.expires_on - timezone.localdate()).days

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            certificates.renew(obj)


@admin.register(Device)
class DeviceAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "asset",
        "online_badge",
        "status",
        "last_seen_at",
        "offline_after_minutes",
        "active",
    ]
    list_filter = ["active", "online", "asset__category"]
    search_fields = ["code", "name", "asset__code", "asset__name"]
    autocomplete_fields = ["asset"]
    readonly_fields = ["api_key", "online", "status", "metrics", "last_seen_at", "last_device_at"]
    actions = ["issue_keys"]

    @display(description=gettext_lazy("online"), label={"online": "success", "offline": "danger", "off": "info"})
    def online_badge(self, obj):
        if not obj.active:
            return "off", _("switched off")
        return ("online", _("online")) if obj.online else ("offline", _("offline"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            secret = telemetry.issue_key(obj)
            messages.warning(
                request, _("API key of %(device)s (shown once): %(secret)s") % {"device": obj.code, "secret": secret}
            )

    @action(description=gettext_lazy("Issue a new API key (the old one stops working)"))
    def issue_keys(self, request, queryset):
        for device in queryset:
            secret = telemetry.issue_key(device)
            messages.warning(
                request, _("API key of %(device)s (shown once): %(secret)s") % {"device": device.code, "secret": secret}
            )


@admin.register(TelemetryRecord)
class TelemetryRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "device", "kind", "name", "value", "text", "received_at"]
    list_filter = ["kind", "device"]
    search_fields = ["name", "device__code"]
    list_select_related = ["device"]
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return CursorPaginator(queryset, per_page, orphans, allow_empty_first_page)


def label_png(request, token: str) -> HttpResponse:
    """The QR label of an asset as a PNG (for label printers)."""
    asset = Asset.objects.filter(qr_token=token).first()
    if asset is None or not request.user.has_perm("operations.view_asset"):
        raise Http404
    return HttpResponse(labels.qr_png(labels.asset_url(asset, request)), content_type="image/png")
