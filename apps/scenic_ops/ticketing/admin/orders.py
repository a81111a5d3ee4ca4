"""Desk: orders (with the counter sale, group booking, calendar and report pages), tickets,
real-name visitors (masked), refunds and payments."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from scenic_ops.core import pii
from scenic_ops.core.admin_base import ReadOnlyAdmin
from scenic_ops.ticketing import desk, notify, services
from scenic_ops.ticketing.admin.common import BigListMixin, ExportMixin, PhoneSearchMixin
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Order, Payment, PaymentNotification, Refund, Ticket, Visitor


class TicketInline(TabularInline):
    model = Ticket
    extra = 0
    can_delete = False
    fields = ["code", "product", "category", "slot", "price", "status", "name_masked", "id_number_masked", "used_count"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ExportMixin, PhoneSearchMixin, BigListMixin, ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "channel",
        "partner",
        "status",
        "visit_date",
        "ticket_count",
        "total",
        "refunded_amount",
        "contact_phone_masked",
    ]
    list_filter = ["status", "channel", ("visit_date", admin.DateFieldListFilter)]
    prefetch = ("partner",)
    search_fields = ["=number", "=external_id"]
    inlines = [TicketInline]
    actions = ["cancel_orders"]
    actions_list = ["counter", "group", "calendar", "report", "export_csv", "export_xlsx"]
    # Encrypted values and blind indexes (keyed hashes for look-ups) mean nothing on screen.
    readonly_fields = [f.name for f in Order._meta.fields if not f.name.endswith(("_enc", "_index"))] + ["links"]
    exclude = ["contact_name_enc", "contact_phone_enc", "contact_phone_index"]
    export_fields = [
        "number",
        "created_at",
        "channel",
        "partner__code",
        "external_id",
        "status",
        "visit_date",
        "ticket_count",
        "total",
        "refunded_amount",
        "payment_method",
        "contact_phone_masked",
    ]

    def get_urls(self):
        site = self.admin_site
        return [
            path("counter/", site.admin_view(lambda r: desk.counter_view(site, r)), name="ticketing_counter"),
            path("group/", site.admin_view(lambda r: desk.group_view(site, r)), name="ticketing_group"),
            path("calendar/", site.admin_view(lambda r: desk.calendar_view(site, r)), name="ticketing_calendar"),
            path("report/", site.admin_view(lambda r: desk.report_view(site, r)), name="ticketing_report"),
            *super().get_urls(),
        ]

    @display(description=_("visitor links"))
    def links(self, obj):
        page = notify.order_path(obj.number)
        return format_html(
            '<a href="{}" target="_blank">{}</a> · <a href="{}tickets.pdf" target="_blank">PDF</a>',
            page,
            _("ticket page"),
            page,
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("ticketing.view_order") and obj is None

    @admin.action(
        description=_("Cancel (held orders) or refund in full (confirmed, refund rules apply)"), permissions=["refund"]
    )
    def cancel_orders(self, request, queryset):
        done = 0
        for order in queryset[:200]:
            try:
                services.cancel_order(order, user=request.user, reason="desk")
                done += 1
            except TicketingError as exc:
                messages.warning(request, f"{order.number}: {exc.detail}")
        messages.success(request, _("%(n)s orders cancelled or refunded.") % {"n": done})

    def has_refund_permission(self, request):
        return request.user.has_perm("ticketing.add_refund")

    @action(description=_("Counter sale"), url_path="counter-link")
    def counter(self, request):
        return redirect("admin:ticketing_counter")

    @action(description=_("Group booking"), url_path="group-link")
    def group(self, request):
        return redirect("admin:ticketing_group")

    @action(description=_("Capacity calendar"), url_path="calendar-link")
    def calendar(self, request):
        return redirect("admin:ticketing_calendar")

    @action(description=_("Sales report"), url_path="report-link")
    def report(self, request):
        return redirect("admin:ticketing_report")


@admin.register(Ticket)
class TicketAdmin(ExportMixin, PhoneSearchMixin, BigListMixin, ModelAdmin):
    list_display = [
        "code",
        "date",
        "slot",
        "product",
        "category",
        "price",
        "status",
        "name_masked",
        "id_number_masked",
        "used_count",
        "check_document",
    ]
    list_filter = ["status", ("date", admin.DateFieldListFilter), "product"]
    prefetch = ("slot", "product", "category")
    search_fields = ["=code"]
    actions = ["refund_tickets"]
    actions_list = ["export_csv", "export_xlsx"]
    exclude = ["id_number_enc", "id_number_index", "name_enc", "phone_enc", "takes"]
    export_fields = [
        "code",
        "order__number",
        "date",
        "slot__start",
        "product__code",
        "category__code",
        "price",
        "status",
        "name_masked",
        "id_number_masked",
        "region_code",
        "used_count",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("ticketing.view_ticket")

    @admin.action(description=_("Refund the selected tickets (refund rules apply)"), permissions=["refund"])
    def refund_tickets(self, request, queryset):
        by_order: dict[int, list[str]] = {}
        for order_id, code in queryset.values_list("order_id", "code")[:500]:
            by_order.setdefault(order_id, []).append(code)
        for order in Order.objects.filter(pk__in=list(by_order)):
            try:
                refund = services.refund_tickets(order, by_order[order.pk], user=request.user, reason="desk")
                messages.success(
                    request, _("%(order)s: refunded ¥%(amount)s") % {"order": order.number, "amount": refund.amount}
                )
            except TicketingError as exc:
                messages.warning(request, f"{order.number}: {exc.detail}")

    def has_refund_permission(self, request):
        return request.user.has_perm("ticketing.add_refund")


@admin.register(Visitor)
class VisitorAdmin(PhoneSearchMixin, BigListMixin, ReadOnlyAdmin):
    """Real-name visitors, masked. Showing the full data needs core.reveal_pii and is logged."""

    list_display = [
        "name_masked",
        "id_type",
        "id_number_masked",
        "region_code",
        "birth_year",
        "sex",
        "date",
        "product",
        "status",
    ]
    list_filter = ["id_type", ("date", admin.DateFieldListFilter), "sex"]
    prefetch = ("product",)
    search_fields = ["=code"]
    actions = ["reveal"]
    exclude = ["id_number_enc", "id_number_index", "name_enc", "phone_enc", "takes"]

    @admin.action(description=_("Show full name, ID and phone (logged)"), permissions=["reveal"])
    def reveal(self, request, queryset):
        for visitor in queryset[:20]:
            if visitor.personal_data_purged:
                messages.info(request, _("%(code)s: personal data already purged") % {"code": visitor.code})
                continue
            values = [
                pii.reveal(visitor, "name", kind="name", user=request.user, purpose="desk visitor lookup"),
                pii.reveal(visitor, "id_number", kind="id", user=request.user, purpose="desk visitor lookup"),
            ]
            messages.info(request, f"{visitor.code}: " + " · ".join(values))

    def has_reveal_permission(self, request):
        return request.user.has_perm("core.reveal_pii")


@admin.register(Refund)
class RefundAdmin(BigListMixin, ReadOnlyAdmin):
    list_display = ["created_at", "order", "ticket_count", "amount", "fee", "method", "status", "reason", "created_by"]
    list_filter = ["status", "method"]
    prefetch = ("order", "created_by")
    search_fields = ["=order__number"]


@admin.register(Payment)
class PaymentAdmin(BigListMixin, ReadOnlyAdmin):
    list_display = ["created_at", "reference", "order", "provider", "method", "amount", "status", "paid_at"]
    list_filter = ["status", "provider", "method"]
    prefetch = ("order",)
    search_fields = ["=reference", "=order__number"]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(BigListMixin, ReadOnlyAdmin):
    list_display = ["received_at", "provider", "notification_id", "payment", "outcome"]
    list_filter = ["provider", "outcome"]
    prefetch = ("payment",)
