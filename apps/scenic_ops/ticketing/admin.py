"""Ticketing desk: catalogue, capacity, orders, tickets, visitors (masked), refunds, partners."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from scenic_ops.core import pii, scheduling
from scenic_ops.core.admin_base import AuditedAdmin, CursorPaginator, ReadOnlyAdmin
from scenic_ops.ticketing import capacity, catalog, desk, idcard, inventory, notify, services
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import (
    Bucket,
    BundleItem,
    Order,
    Partner,
    Payment,
    PaymentNotification,
    Price,
    PriceCategory,
    Product,
    Refund,
    SaleDay,
    SlotTemplate,
    Ticket,
    TimeSlot,
    Visitor,
)
from scenic_ops.ticketing.partners import create_partner, rotate_credentials


class ListPaginator(CursorPaginator):
    """CursorPaginator (no full-table COUNT) that also counts only once per page."""

    @cached_property
    def count(self):
        # Without ORDER BY: sorted by id, MariaDB would walk the primary key to find 10,001 matches
        # instead of using the filter's index.
        return self.object_list.order_by()[: self.LIMIT + 1].count()


class BigListMixin:
    """Lists that must stay fast at millions of rows: bounded count, no join the optimizer could
    start from (a small table joined first makes MariaDB sort the whole big one); related rows
    are fetched by primary key for the page only."""

    paginator = ListPaginator
    show_full_result_count = False
    list_select_related = ()
    list_per_page = 50
    prefetch: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.prefetch)


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


@admin.register(SaleDay)
class SaleDayAdmin(AuditedAdmin):
    list_display = ["date", "closed", "peak", "capacity_override", "open_ratio_override", "note", "day_capacity"]
    list_filter = ["closed", "peak"]
    date_hierarchy = "date"

    @display(description=_("day capacity (sold/capacity)"))
    def day_capacity(self, obj):
        bucket = Bucket.objects.filter(kind=Bucket.Kind.DAY, date=obj.date).first()
        return f"{bucket.used} / {bucket.capacity}" if bucket else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        day = obj.date

        def apply():
            for bucket in Bucket.objects.filter(kind=Bucket.Kind.DAY, date=day):
                capacity.change_bucket(bucket, closed=obj.closed)
            capacity.sync_days([day])
            inventory.invalidate_layout(day)

        transaction.on_commit(apply)


@admin.register(SlotTemplate)
class SlotTemplateAdmin(AuditedAdmin):
    list_display = [
        "name",
        "product",
        "weekdays",
        "first_start",
        "last_start",
        "interval_minutes",
        "capacity",
        "active",
    ]
    list_filter = ["active", "product"]
    actions_list = ["generate_now"]

    @action(description=_("Generate slots for the coming 30 days (background job)"), url_path="generate-slots")
    def generate_now(self, request):
        run = scheduling.run_now("ticketing_generate_slots", user=request.user)
        messages.success(request, _("Slot generation queued as job run #%(id)s.") % {"id": run.pk})
        return redirect("admin:core_jobrun_changelist")


class BucketForm(forms.ModelForm):
    class Meta:
        model = Bucket
        fields = ["slot", "channel", "capacity", "release_at", "closed"]


@admin.register(Bucket)
class BucketAdmin(BigListMixin, ModelAdmin):
    """Capacity buckets: change a capacity or close one (never below what is sold); add an allotment."""

    form = BucketForm
    list_display = ["key", "kind", "date", "slot", "product", "channel", "used", "reserved", "capacity", "closed"]
    list_filter = ["kind", "closed", ("date", admin.DateFieldListFilter)]
    prefetch = ("slot", "product")
    search_fields = ["=key"]
    readonly_fields = ["kind", "date", "used", "reserved", "released"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["slot", "channel", "capacity", "release_at"]
        return ["kind", "date", "used", "reserved", "capacity", "closed", "released"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Through the capacity services (never below what is sold; the public view kept exact)."""
        request.tk_refused = None
        try:
            if change:
                capacity.change_bucket(
                    Bucket.objects.get(pk=obj.pk),
                    capacity=form.cleaned_data["capacity"],
                    closed=form.cleaned_data["closed"],
                )
            else:
                created = capacity.create_allotment(
                    form.cleaned_data["slot"],
                    form.cleaned_data["channel"] or Bucket.Allotment.OFFLINE,
                    form.cleaned_data["capacity"],
                    release_at=form.cleaned_data.get("release_at"),
                )
                obj.pk = created.pk
        except TicketingError as exc:
            request.tk_refused = exc.detail

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not getattr(request, "tk_refused", None):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "tk_refused", None):
            messages.error(request, request.tk_refused)
            return redirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "tk_refused", None):
            messages.error(request, request.tk_refused)
            return redirect(request.get_full_path())
        return super().response_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TimeSlot)
class TimeSlotAdmin(BigListMixin, ModelAdmin):
    list_display = ["date", "start", "end", "product", "sold"]
    list_filter = [("date", admin.DateFieldListFilter), "product"]
    prefetch = ("product", "buckets")
    actions = ["close_slots", "open_slots"]

    @display(description=_("sold / capacity"))
    def sold(self, obj):
        bucket = next((b for b in obj.buckets.all() if b.kind == Bucket.Kind.SLOT), None)
        return f"{bucket.used} / {bucket.capacity}{' ⛔' if bucket.closed else ''}" if bucket else "—"

    @admin.action(description=_("Close the selected slots for sale"), permissions=["change"])
    def close_slots(self, request, queryset):
        for slot in queryset:
            capacity.set_slot_closed(slot, True)

    @admin.action(description=_("Open the selected slots for sale"), permissions=["change"])
    def open_slots(self, request, queryset):
        for slot in queryset:
            capacity.set_slot_closed(slot, False)

    def has_add_permission(self, request):
        return False


class TicketInline(TabularInline):
    model = Ticket
    extra = 0
    can_delete = False
    fields = ["code", "product", "category", "slot", "price", "status", "name_masked", "id_number_masked", "used_count"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ExportMixin:
    export_fields: list[str] = []

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(lambda r: desk.export_queryset(self, r, "csv")),
                name="{}_{}_export_csv".format(*info),
            ),
            path(
                "export.xlsx",
                self.admin_site.admin_view(lambda r: desk.export_queryset(self, r, "xlsx")),
                name="{}_{}_export_xlsx".format(*info),
            ),
            *super().get_urls(),
        ]


class PhoneSearchMixin:
    """Search by exact reference, or by a phone/ID number through its blind index (never decrypted)."""

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit() and len(term) == 11 and hasattr(self.model, "contact_phone_index"):
            return queryset.filter(contact_phone_index=pii.blind_index(term, kind="phone")), False
        if hasattr(self.model, "id_number_index") and len(term) >= 8 and any(ch.isdigit() for ch in term):
            index = pii.blind_index(idcard.normalise(term), kind="id")
            hits = queryset.filter(id_number_index=index)
            if hits.exists():
                return hits, False
        return super().get_search_results(request, queryset, search_term)


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
    readonly_fields = [f.name for f in Order._meta.fields if not f.name.endswith("_enc")] + ["links"]
    exclude = ["contact_name_enc", "contact_phone_enc"]
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

    @action(description=_("Export CSV"), url_path="export-csv-link")
    def export_csv(self, request):
        return redirect(f"../export.csv?{request.GET.urlencode()}")

    @action(description=_("Export xlsx"), url_path="export-xlsx-link")
    def export_xlsx(self, request):
        return redirect(f"../export.xlsx?{request.GET.urlencode()}")


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
    exclude = ["id_number_enc", "name_enc", "phone_enc", "takes"]
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

    @action(description=_("Export CSV"), url_path="export-csv-link")
    def export_csv(self, request):
        return redirect(f"../export.csv?{request.GET.urlencode()}")

    @action(description=_("Export xlsx"), url_path="export-xlsx-link")
    def export_xlsx(self, request):
        return redirect(f"../export.xlsx?{request.GET.urlencode()}")


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
    exclude = ["id_number_enc", "name_enc", "phone_enc", "takes"]

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


class PartnerForm(forms.ModelForm):
    rate_limit = forms.IntegerField(label=_("requests per minute"), initial=600, min_value=0, required=False)

    class Meta:
        model = Partner
        fields = ["code", "name", "kind", "prepaid", "webhook_url", "products", "contact", "active"]


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    form = PartnerForm
    list_display = ["code", "name", "kind", "prepaid", "webhook_url", "api_key", "active"]
    list_filter = ["kind", "active"]
    filter_horizontal = ["products"]
    actions = ["rotate"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        creds = create_partner(
            obj.code,
            obj.name,
            kind=obj.kind,
            prepaid=obj.prepaid,
            webhook_url=obj.webhook_url,
            rate_limit_per_minute=form.cleaned_data.get("rate_limit") or 0,
        )
        obj.pk = creds.partner.pk
        obj._state.adding = False
        self._show(request, creds)

    def save_related(self, request, form, formsets, change):
        form.instance = Partner.objects.get(pk=form.instance.pk)
        super().save_related(request, form, formsets, change)

    @admin.action(description=_("Issue new credentials (the old key stops working)"))
    def rotate(self, request, queryset):
        for partner in queryset:
            self._show(request, rotate_credentials(partner))

    @staticmethod
    def _show(request, creds):
        messages.warning(
            request,
            _(
                "Credentials for %(name)s, shown once: API key %(key)s · signing secret %(secret)s · webhook secret %(hook)s"
            )
            % {
                "name": creds.partner.name,
                "key": creds.api_key,
                "secret": creds.signing_secret,
                "hook": creds.webhook_secret,
            },
        )
