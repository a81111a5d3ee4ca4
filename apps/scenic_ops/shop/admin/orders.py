"""Desk: shop orders (lines, payments, shipments, refunds), shipments with the xlsx tracking import,
returns and refunds (approval through the workflow), pick-up cards, members and their points.

Personal data shows masked only: the encrypted columns and blind indexes never reach a page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextInputWidget

from scenic_ops.core.admin_base import PhoneSearchMixin, ReadOnlyAdmin, desk_page, require_perm
from scenic_ops.core.exports import ExportMixin
from scenic_ops.shop import selectors, services
from scenic_ops.shop.admin.common import ReadOnlyInline
from scenic_ops.shop.errors import ShopError
from scenic_ops.shop.models import Member, Order, OrderLine, Payment, PickupCard, PointsEntry, Refund, Shipment

HIDDEN = ("_enc", "_index")


def _shown_fields(model, *, skip=()) -> list[str]:
    return [f.name for f in model._meta.fields if not f.name.endswith(HIDDEN) and f.name not in skip]


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["kind", "description", "quantity", "unit_price", "activity", "discount", "total", "ships_from"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["provider", "reference", "amount", "refunded_amount", "status", "paid_at"]


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["point", "carrier", "tracking_number", "status", "ships_from", "shipped_at", "delivered_at"]
    show_change_link = True


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "reason", "status", "state", "created_at", "completed_at"]
    show_change_link = True


class RefundForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"})
    )


SKIPPED = ("token", "language", "breakdown", "ticket_order_id")
STEP_LABELS = {
    "activity": gettext_lazy("Activity price"),
    "member": gettext_lazy("Member discount"),
    "offer": gettext_lazy("Spend-and-save"),
    "coupon": gettext_lazy("Coupon"),
    "points": gettext_lazy("Points"),
}


@admin.register(Order)
class OrderAdmin(ExportMixin, PhoneSearchMixin, ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "channel",
        "status",
        "delivery",
        "total",
        "refunded_amount",
        "contact_phone_masked",
        "ticket_order",
    ]
    list_filter = ["status", "channel", "delivery", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=number", "=ticket_order", "=pickup_code"]
    inlines = [LineInline, PaymentInline, ShipmentInline, RefundInline]
    actions = ["cancel_unpaid"]
    actions_list = ["export_csv", "export_xlsx"]
    actions_detail = ["request_refund"]
    readonly_fields = [*_shown_fields(Order, skip=SKIPPED), "price_breakdown", "visitor_page"]
    exclude = SKIPPED
    export_fields = [
        "number",
        "created_at",
        "channel",
        "status",
        "delivery",
        "region",
        "subtotal",
        "discount",
        "points_used",
        "shipping_fee",
        "total",
        "refunded_amount",
        "ticket_order",
        "contact_phone_masked",
        "invoice_title",
        "invoice_tax_id",
    ]

    def get_urls(self):
        return [
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="shop_order_refund"),
            *super().get_urls(),
        ]

    @display(description=gettext_lazy("price breakdown"))
    def price_breakdown(self, obj):
        """The pricing chain's steps in their fixed order, as the buyer saw them."""
        b = obj.breakdown or {}
        rows = [(_("Goods and tickets"), f"¥{b.get('subtotal', obj.subtotal)}")]
        rows += [(STEP_LABELS.get(step, step), f"−¥{amount}") for step, amount in (b.get("steps") or {}).items()]
        rows += [(_("Shipping"), f"¥{b.get('shipping', obj.shipping_fee)}"), (_("To pay"), f"¥{obj.total}")]
        return format_html(
            '<table class="shop-breakdown">{}</table>',
            format_html_join("", '<tr><td class="pr-6">{}</td><td class="text-right">{}</td></tr>', rows),
        )

    @display(description=gettext_lazy("buyer's page"))
    def visitor_page(self, obj):
        return format_html('<a href="{}" target="_blank">{}</a>', selectors.order_url(obj), _("open"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("shop.view_order")

    @admin.action(description=gettext_lazy("Cancel the selected unpaid orders"), permissions=["cancel"])
    def cancel_unpaid(self, request, queryset):
        done = 0
        for order in queryset.filter(status=Order.Status.PENDING)[:200]:
            try:
                services.cancel(order)
                done += 1
            except ShopError as exc:
                messages.warning(request, f"{order.number}: {exc.detail}")
        messages.success(request, _("%(n)s orders cancelled.") % {"n": done})

    def has_cancel_permission(self, request):
        return request.user.has_perm("shop.change_order")

    @action(description=gettext_lazy("Return and refund"), url_path="refund-link", permissions=["refund"])
    def request_refund(self, request, object_id):
        return redirect(reverse("admin:shop_order_refund", args=[object_id]))

    def has_refund_permission(self, request, object_id=None):
        return request.user.has_perm("shop.add_refund")

    def refund_view(self, request, pk: int):
        """A return: the refund is requested here and approved through the workflow (over the threshold)."""
        require_perm(request, "shop.add_refund")
        order = Order.objects.filter(pk=pk).first()
        if order is None:
            return redirect(reverse("admin:shop_order_changelist"))
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund = services.request_refund(order, reason=form.cleaned_data["reason"], user=request.user)
            except ShopError as exc:
                form.add_error("reason", exc.detail)
            else:
                messages.success(
                    request,
                    _("Refund of ¥%(amount)s requested: %(status)s.")
                    % {"amount": refund.amount, "status": refund.get_status_display()},
                )
                return redirect(reverse("admin:shop_order_change", args=[order.pk]))
        return desk_page(
            self.admin_site,
            request,
            "admin/shop/refund.html",
            _("Return and refund: %(number)s") % {"number": order.number},
            form=form,
            order=order,
            opts=Order._meta,
        )


class TrackingImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tracking file (xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx file."))
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class TrackingForm(forms.ModelForm):
    """A shipment's carrier, tracking number and status, applied through `update_tracking`."""

    class Meta:
        model = Shipment
        fields = ["carrier", "tracking_number", "status"]


@admin.register(Shipment)
class ShipmentAdmin(ExportMixin, ModelAdmin):
    form = TrackingForm
    list_display = [
        "order",
        "point",
        "status",
        "carrier",
        "tracking_number",
        "ships_from",
        "shipped_at",
        "delivered_at",
    ]
    list_filter = ["status", "point", ("ships_from", admin.DateFieldListFilter)]
    search_fields = ["=order__number", "=tracking_number"]
    list_select_related = ["order", "point"]
    readonly_fields = ["order", "point", "ships_from", "created_at", "shipped_at", "delivered_at", "tracking_events"]
    actions_list = ["import_tracking", "export_csv", "export_xlsx"]
    export_fields = [
        "order__number",
        "point__code",
        "status",
        "carrier",
        "tracking_number",
        "order__region",
        "order__city",
        "ships_from",
        "shipped_at",
        "delivered_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="shop_shipment_import"),
            *super().get_urls(),
        ]

    @display(description=gettext_lazy("tracking"))
    def tracking_events(self, obj):
        if not obj.events:
            return "-"
        return format_html_join(
            "",
            "<div>{} · {} · {}</div>",
            ((e.get("at", ""), e.get("status", ""), e.get("note", "")) for e in obj.events),
        )

    def save_model(self, request, obj, form, change):
        try:
            services.update_tracking(
                obj.order.number,
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                status=form.cleaned_data["status"],
                note=_("entered in the desk by %(user)s") % {"user": request.user.get_username()},
            )
        except ShopError as exc:
            messages.error(request, exc.detail)

    @action(description=gettext_lazy("Import tracking (xlsx)"), url_path="import-link", permissions=["change"])
    def import_tracking(self, request):
        return redirect(reverse("admin:shop_shipment_import"))

    def import_view(self, request):
        require_perm(request, "shop.change_shipment")
        form = TrackingImportForm(request.POST or None, request.FILES or None)
        result = error = None
        if request.method == "POST" and form.is_valid():
            try:
                result = services.import_tracking(form.cleaned_data["file"])
            except ShopError as exc:
                error = exc
            else:
                if not result.errors:
                    messages.success(request, _("%(n)s shipments updated.") % {"n": result.updated})
        return desk_page(
            self.admin_site,
            request,
            "admin/shop/tracking_import.html",
            _("Import tracking numbers"),
            form=form,
            result=result,
            error=error,
            opts=Shipment._meta,
        )


@admin.register(Refund)
class RefundAdmin(ExportMixin, ReadOnlyAdmin):
    list_display = ["order", "amount", "reason", "status", "state", "requested_by", "created_at", "completed_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=order__number"]
    list_select_related = ["order", "requested_by"]
    actions_list = ["export_csv", "export_xlsx"]
    export_fields = ["order__number", "amount", "reason", "status", "state", "created_at", "completed_at"]


@admin.register(PickupCard)
class PickupCardAdmin(ReadOnlyAdmin):
    list_display = ["code", "sku", "quantity", "status", "redeem_from", "redeem_until", "delivery_date", "redeemed_at"]
    list_filter = ["status"]
    search_fields = ["=code"]
    list_select_related = ["sku", "sku__product"]


class PointsInline(ReadOnlyInline):
    model = PointsEntry
    parent_perm = "shop.view_member"
    fields = ["created_at", "delta", "reason", "state", "available_at", "order"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")


@admin.register(Member)
class MemberAdmin(PhoneSearchMixin, ReadOnlyAdmin):
    phone_index_field = "phone_index"
    list_display = ["phone_masked", "level", "points", "spent", "created_at"]
    list_filter = ["level"]
    search_fields = ["=phone_masked"]
    exclude = ["phone_enc", "phone_index"]
    inlines = [PointsInline]
