"""Desk: resource pools, dispatch orders on the dispatch workflow and the dispatch board, materials with
their stock movements (receipt, issue, stock-take) and low-stock state, energy meters, readings and use."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin, DeskPageAdmin, ReadOnlyAdmin
from scenic_ops.service import dispatch, selectors
from scenic_ops.service.admin.complaints import StateFilter
from scenic_ops.service.errors import ServiceError
from scenic_ops.service.models import (
    DispatchBoard,
    DispatchOrder,
    EnergyBoard,
    EnergyDay,
    EnergyMeter,
    Material,
    MeterReading,
    ResourcePool,
    StockMovement,
)
from scenic_ops.workflow.admin import WorkflowDocumentAdmin


@admin.register(ResourcePool)
class ResourcePoolAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "units_total", "units_busy", "free", "home_zone", "active"]
    list_filter = ["kind", "active"]
    readonly_fields = ["units_busy"]

    @display(description=gettext_lazy("free"))
    def free(self, obj):
        return obj.units_free


class DispatchStateFilter(StateFilter):
    document_type = "service.dispatchorder"


@admin.register(DispatchOrder)
class DispatchOrderAdmin(WorkflowDocumentAdmin):
    list_display = [
        "code",
        "title",
        "pool",
        "headcount",
        "zone",
        "priority",
        "workflow_state",
        "workflow_sla",
        "requested_at",
    ]
    list_filter = [DispatchStateFilter, "priority", "source", "pool"]
    search_fields = ["code", "title"]
    list_select_related = ["pool", "zone"]
    autocomplete_fields = ["zone", "incident"]
    readonly_fields = ["code", "source", "requested_by", "requested_at", "approved_at", "completed_at"]
    fields = [
        "title",
        ("pool", "headcount"),
        ("material", "material_quantity"),
        ("priority", "zone"),
        "reason",
        "incident",
        ("code", "source", "requested_by"),
        ("requested_at", "approved_at", "completed_at"),
    ]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        try:
            order = dispatch.request_dispatch(
                title=data["title"],
                pool=data.get("pool"),
                headcount=data.get("headcount") or 0,
                material=data.get("material"),
                material_quantity=data.get("material_quantity") or 0,
                priority=data.get("priority") or "normal",
                zone=data.get("zone"),
                reason=data.get("reason", ""),
                incident=data.get("incident"),
                requested_by=request.user,
            )
        except ServiceError as exc:
            raise PermissionDenied(exc.detail) from None
        obj.pk = order.pk
        obj.__dict__.update({k: v for k, v in order.__dict__.items() if not k.startswith("_")})


@admin.register(DispatchBoard)
class DispatchBoardAdmin(DeskPageAdmin):
    def page_view(self, request):
        return self.render_page(
            request,
            "service/admin/board.html",
            _("Dispatch board"),
            **selectors.dispatch_board(),
        )


@admin.register(Material)
class MaterialAdmin(AuditedAdmin):
    list_display = ["code", "name", "stock", "unit", "low_stock_level", "low", "store", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    readonly_fields = ["stock"]

    @display(description=gettext_lazy("low stock"), boolean=True)
    def low(self, obj):
        return bool(obj.low_stock_level and obj.stock <= obj.low_stock_level)


class MovementForm(forms.ModelForm):
    KINDS = [
        ("receipt", gettext_lazy("Receipt")),
        ("issue", gettext_lazy("Issue")),
        ("adjust", gettext_lazy("Stock-take: the counted quantity")),
    ]
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=KINDS)
    amount = forms.DecimalField(label=gettext_lazy("quantity"), max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = StockMovement
        fields = ["material", "note"]


@admin.register(StockMovement)
class StockMovementAdmin(ModelAdmin):
    form = MovementForm
    list_display = ["at", "material", "kind", "quantity", "balance_after", "by", "dispatch_order", "note"]
    list_filter = ["kind", "material"]
    list_select_related = ["material", "by", "dispatch_order"]
    date_hierarchy = "at"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["material", "kind", "amount", "note"]
        return ["material", "kind", "quantity", "balance_after", "at", "by", "dispatch_order", "note"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        material, kind, amount = data["material"], data["kind"], data["amount"]
        try:
            if kind == "receipt":
                move = dispatch.receive_stock(material, amount, by=request.user, note=data.get("note", ""))
            elif kind == "issue":
                move = dispatch.issue_stock(material, amount, by=request.user, note=data.get("note", ""))
            else:
                move = dispatch.count_stock(material, amount, by=request.user, note=data.get("note", ""))
        except ServiceError as exc:
            raise PermissionDenied(exc.detail) from None
        if move is None:
            messages.info(request, _("The counted quantity equals the stock; nothing to record."))
            move = StockMovement.objects.filter(material=material).order_by("-at", "-id").first() or obj
        obj.pk = move.pk
        obj.__dict__.update({k: v for k, v in move.__dict__.items() if not k.startswith("_")})


@admin.register(EnergyMeter)
class EnergyMeterAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "unit", "zone", "anomaly_percent", "active"]
    list_filter = ["kind", "active"]


class ReadingForm(forms.ModelForm):
    class Meta:
        model = MeterReading
        fields = ["meter", "at", "value"]

    def clean(self):
        data = super().clean()
        if data.get("at") and data["at"] > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("The time is in the future."))
        return data


@admin.register(MeterReading)
class MeterReadingAdmin(ModelAdmin):
    form = ReadingForm
    list_display = ["at", "meter", "value", "received_at"]
    list_filter = ["meter"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EnergyDay)
class EnergyDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "meter", "consumption", "baseline", "anomaly"]
    list_filter = ["anomaly", "meter"]
    date_hierarchy = "day"


@admin.register(EnergyBoard)
class EnergyBoardAdmin(DeskPageAdmin):
    def page_view(self, request):
        return self.render_page(
            request,
            "service/admin/energy.html",
            _("Energy use (last 30 days)"),
            series=selectors.energy_series(),
            materials=Material.objects.filter(active=True),
        )
