"""Desk: capacity (sale days, slot templates, buckets and allotments, time slots)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from scenic_ops.core import scheduling
from scenic_ops.core.admin_base import AuditedAdmin
from scenic_ops.ticketing import capacity, inventory
from scenic_ops.ticketing.admin.common import BigListMixin
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Bucket, SaleDay, SlotTemplate, TimeSlot


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
