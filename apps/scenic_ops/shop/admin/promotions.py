"""Desk: campaigns and their results — flash sales (秒杀), 满减 offers, coupons, group-buy deals and groups."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin, ReadOnlyAdmin
from scenic_ops.core.exports import ExportMixin
from scenic_ops.shop.admin.common import ReadOnlyInline
from scenic_ops.shop.models import Coupon, FlashSale, Group, GroupDeal, GroupSeat, ThresholdOffer


@admin.register(FlashSale)
class FlashSaleAdmin(AuditedAdmin):
    list_display = ["name", "sku", "price", "starts_at", "ends_at", "result", "per_member", "active"]
    list_filter = ["active"]
    search_fields = ["name", "sku__code"]
    list_select_related = ["sku", "sku__product"]
    readonly_fields = ["sold"]

    @display(description=gettext_lazy("sold / quota"))
    def result(self, obj):
        return f"{obj.sold} / {obj.quota}"


@admin.register(ThresholdOffer)
class ThresholdOfferAdmin(AuditedAdmin):
    list_display = ["name", "min_amount", "off_amount", "starts_at", "ends_at", "active"]
    list_filter = ["active"]


@admin.register(Coupon)
class CouponAdmin(ExportMixin, AuditedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "value",
        "min_spend",
        "valid_from",
        "valid_until",
        "uses",
        "discount_given",
        "active",
    ]
    list_filter = ["active", "kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["products", "categories"]
    readonly_fields = ["used"]
    export_fields = ["code", "name", "kind", "value", "total_limit", "used", "valid_from", "valid_until"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(given=Sum("redemptions__amount"))

    @display(description=gettext_lazy("used / limit"))
    def uses(self, obj):
        return f"{obj.used} / {obj.total_limit}"

    @display(description=gettext_lazy("discount given (CNY)"))
    def discount_given(self, obj):
        return obj.given or 0


@admin.register(GroupDeal)
class GroupDealAdmin(AuditedAdmin):
    list_display = ["name", "sku", "price", "size", "hours", "virtual_fill", "results", "active"]
    list_filter = ["active"]
    list_select_related = ["sku", "sku__product"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                opened=Count("groups"),
                succeeded=Count("groups", filter=Q(groups__status=Group.Status.SUCCEEDED)),
                failed=Count("groups", filter=Q(groups__status=Group.Status.FAILED)),
            )
        )

    @display(description=gettext_lazy("groups: opened / filled / failed"))
    def results(self, obj):
        return f"{obj.opened} / {obj.succeeded} / {obj.failed}"


class SeatInline(ReadOnlyInline):
    model = GroupSeat
    parent_perm = "shop.view_group"
    fields = ["order", "leader", "created_at"]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["code", "deal", "seats", "paid", "size", "status", "deadline", "virtual", "settled_at"]
    list_filter = ["status", "deal"]
    search_fields = ["=code"]
    list_select_related = ["deal"]
    inlines = [SeatInline]
