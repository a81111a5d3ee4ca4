"""Desk: shop points, categories, products with their SKUs, stock per point, shipping rates, member levels.

Catalogue rows invalidate the shop's per-process catalogue when saved (`CatalogueRow`), so nothing
here edits them in bulk (no list_editable, no queryset.update)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import display
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminTextInputWidget

from scenic_ops.core.admin_base import AuditedAdmin, desk_page, require_perm
from scenic_ops.core.exports import ExportMixin
from scenic_ops.shop import services
from scenic_ops.shop.errors import ShopError
from scenic_ops.shop.models import Category, MemberLevel, Product, ShippingRate, ShopPoint, Sku, Stock


@admin.register(ShopPoint)
class ShopPointAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "address", "priority", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "sort"]
    search_fields = ["code", "name"]


class SkuInline(TabularInline):
    model = Sku
    extra = 0
    fields = ["code", "spec", "spec_en", "price", "weight_g", "gift_box", "presale_quota", "max_per_order", "active"]
    show_change_link = True


@admin.register(Product)
class ProductAdmin(AuditedAdmin):
    list_display = ["code", "name", "category", "kind", "origin", "sale_from", "sale_until", "ships_from", "active"]
    list_filter = ["kind", "category", "active"]
    search_fields = ["code", "name", "origin", "gi_number"]
    inlines = [SkuInline]
    fieldsets = (
        (None, {"fields": ("code", "category", "kind", "name", "name_en", "image", "active", "sort")}),
        (gettext_lazy("Description"), {"fields": ("description", "description_en")}),
        (
            gettext_lazy("Specialty and season"),
            {"fields": ("origin", "gi_number", "sale_from", "sale_until", "ships_from")},
        ),
        (gettext_lazy("Ticket sold in the shop"), {"fields": ("ticket_product", "ticket_category")}),
    )


@admin.register(Sku)
class SkuAdmin(AuditedAdmin):
    list_display = ["code", "product", "spec", "price", "weight_g", "gift_box", "presale", "available", "active"]
    list_filter = ["active", "gift_box", "product__category"]
    search_fields = ["code", "product__name", "spec"]
    readonly_fields = ["presale_sold"]
    list_select_related = ["product"]

    @display(description=gettext_lazy("pre-sale sold / quota"))
    def presale(self, obj):
        return f"{obj.presale_sold} / {obj.presale_quota}" if obj.presale_quota else "-"

    @display(description=gettext_lazy("available"))
    def available(self, obj):
        return sum(s.available for s in obj.stocks.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stocks")


class LowStockFilter(admin.SimpleListFilter):
    title = gettext_lazy("stock level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("low", _("At or below the alert level")), ("out", _("Sold out"))]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(available__lte=F("low_alert"))
        if self.value() == "out":
            return queryset.filter(available=0)
        return queryset


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=gettext_lazy("Units to add (negative to remove)"),
        min_value=-100_000,
        max_value=100_000,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=200, widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"})
    )

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Give a number of units other than 0."))
        return delta


@admin.register(Stock)
class StockAdmin(ExportMixin, AuditedAdmin):
    """Stock per SKU and point. Counts move only by the shop's conditional updates: a stock count
    here adds or removes units (never below what is free) and is written to the audit trail."""

    list_display = ["sku", "point", "available", "reserved", "sold", "low_alert", "adjust_link"]
    list_filter = [LowStockFilter, "point", "sku__product__category"]
    search_fields = ["sku__code", "sku__product__name"]
    list_select_related = ["sku", "sku__product", "point"]
    readonly_fields = ["available", "reserved", "sold", "alerted_at"]
    export_fields = ["sku__code", "sku__product__name", "point__code", "available", "reserved", "sold", "low_alert"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "sku", "point"] if obj else ["reserved", "sold", "alerted_at"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="shop_stock_adjust",
            ),
            *super().get_urls(),
        ]

    @display(description=gettext_lazy("stock count"))
    def adjust_link(self, obj):
        return format_html('<a class="text-primary-600" href="{}">{}</a>', f"{obj.pk}/adjust/", _("Count"))

    def adjust_view(self, request, pk: int):
        require_perm(request, "shop.change_stock")
        stock = get_object_or_404(Stock.objects.select_related("sku", "point"), pk=pk)
        form = AdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            delta, reason = form.cleaned_data["delta"], form.cleaned_data["reason"]
            try:
                stock = services.adjust_stock(stock, delta, reason=reason, user=request.user)
            except ShopError as exc:
                form.add_error("delta", exc.detail)
            else:
                messages.success(
                    request,
                    _("%(item)s at %(point)s: %(n)s available.")
                    % {"item": stock.sku, "point": stock.point, "n": stock.available},
                )
                return redirect(reverse("admin:shop_stock_changelist"))
        return desk_page(
            self.admin_site,
            request,
            "admin/shop/stock_adjust.html",
            _("Stock count: %(item)s at %(point)s") % {"item": stock.sku, "point": stock.point},
            form=form,
            stock=stock,
            opts=Stock._meta,
        )


@admin.register(ShippingRate)
class ShippingRateAdmin(AuditedAdmin):
    list_display = ["region", "first_kg", "extra_kg", "free_over", "ships"]
    list_filter = ["ships"]


@admin.register(MemberLevel)
class MemberLevelAdmin(AuditedAdmin):
    list_display = ["code", "name", "min_spent", "discount_percent", "points_per_yuan"]
