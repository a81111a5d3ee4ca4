"""Desk: the catalogue (products with prices and bundle components, price categories)."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline

from scenic_ops.core.admin_base import AuditedAdmin
from scenic_ops.ticketing import catalog
from scenic_ops.ticketing.models import BundleItem, Price, PriceCategory, Product


class CatalogAdmin(AuditedAdmin):
    """Catalogue changes reach this process at once and the others within seconds."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(catalog.invalidate)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(catalog.invalidate)


class PriceInline(TabularInline):
    model = Price
    extra = 0
    fields = ["category", "day_type", "amount"]


class BundleInline(TabularInline):
    model = BundleItem
    fk_name = "bundle"
    extra = 0
    verbose_name = _("bundle component")


@admin.register(Product)
class ProductAdmin(CatalogAdmin):
    list_display = ["code", "name", "kind", "draws_site_capacity", "per_slot_capacity", "id_limit_per_day", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    inlines = [PriceInline, BundleInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "kind", "zone", "active", "sort_order")}),
        (_("Description"), {"fields": ("description", "description_en")}),
        (
            _("Capacity and limits"),
            {"fields": ("draws_site_capacity", "own_slots", "per_slot_capacity", "id_limit_per_day", "limit_scope")},
        ),
        (
            _("Tickets, holds and refunds"),
            {"fields": ("uses_allowed", "hold_minutes", "refundable", "refund_deadline_hours", "refund_fee_percent")},
        ),
    )


@admin.register(PriceCategory)
class PriceCategoryAdmin(CatalogAdmin):
    list_display = ["code", "name", "min_age", "max_age", "needs_document", "document_label", "group_only", "active"]
    list_editable = ["active"]
