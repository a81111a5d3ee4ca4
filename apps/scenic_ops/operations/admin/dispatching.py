"""Desk: the "nearest available crew" panel on tickets and alarms, its call button, dispatch calls,
trackers, positions, park maps and the live map page."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin, CursorPaginator, DeskPageAdmin, ReadOnlyAdmin
from scenic_ops.core.models import User
from scenic_ops.operations import selectors
from scenic_ops.operations.errors import OpsError
from scenic_ops.operations.models import Alarm, DispatchCall, LiveMap, ParkMap, PositionFix, RepairTicket, Tracker
from scenic_ops.operations.services import crew_calls


def dispatch_context(request, *, ticket: RepairTicket | None = None, alarm: Alarm | None = None) -> dict:
    """Nearest available crew and the calls made so far, for a ticket's or alarm's page."""
    subject = ticket or alarm
    context: dict = {
        "can_call": request.user.has_perm("operations.add_dispatchcall"),
        "calls": list((subject.calls if subject else DispatchCall.objects.none()).select_related("user")[:20]),
        "call_url": reverse("admin:operations_dispatchcall_call"),
        "ticket": ticket,
        "alarm": alarm,
    }
    try:
        context["crew"] = crew_calls.nearest_for(subject) if subject is not None else []
    except OpsError as exc:
        context["crew"], context["crew_error"] = [], exc.detail
    return context


@admin.register(DispatchCall)
class DispatchCallAdmin(AuditedAdmin):
    list_display = ["called_at", "user", "subject", "distance_m", "state_badge", "responded_at", "called_by"]
    list_filter = ["state"]
    search_fields = ["user__username", "user__display_name", "ticket__title", "alarm__title"]
    list_select_related = ["user", "ticket", "alarm", "called_by"]
    readonly_fields = [
        "ticket",
        "alarm",
        "user",
        "called_by",
        "called_at",
        "expires_at",
        "distance_m",
        "state",
        "responded_at",
    ]

    def has_add_permission(self, request):
        return False

    @display(description=gettext_lazy("for"))
    def subject(self, obj):
        return str(obj.ticket or obj.alarm)

    @display(
        description=gettext_lazy("state"),
        label={"calling": "warning", "accepted": "success", "declined": "danger", "expired": "info"},
    )
    def state_badge(self, obj):
        return obj.state, obj.get_state_display()

    def get_urls(self):
        return [
            path("call/", self.admin_site.admin_view(self.call_view), name="operations_dispatchcall_call"),
            *super().get_urls(),
        ]

    def call_view(self, request):
        """POST from a ticket's or alarm's page: call the chosen crew member."""
        if request.method != "POST" or not request.user.has_perm("operations.add_dispatchcall"):
            raise PermissionDenied
        ticket = RepairTicket.objects.filter(pk=request.POST.get("ticket") or 0).first()
        alarm = Alarm.objects.filter(pk=request.POST.get("alarm") or 0).select_related("asset").first()
        user = User.objects.filter(pk=request.POST.get("user") or 0).first()
        back = (
            reverse("admin:operations_repairticket_change", args=[ticket.pk])
            if ticket
            else reverse("admin:operations_alarm_change", args=[alarm.pk])
            if alarm
            else reverse("admin:operations_dispatchcall_changelist")
        )
        if user is None or (ticket is None and alarm is None):
            messages.error(request, _("Choose whom to call."))
            return HttpResponseRedirect(back)
        try:
            call = crew_calls.call(user, by=request.user, ticket=ticket, alarm=alarm, note=request.POST.get("note", ""))
        except OpsError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("%(user)s is being called (answer within 10 minutes).") % {"user": call.user})
        return HttpResponseRedirect(back)


@admin.register(Tracker)
class TrackerAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "user", "asset", "on_duty", "last_at", "active"]
    list_filter = ["kind", "active", "on_duty"]
    search_fields = ["code", "name", "user__username", "asset__code"]
    autocomplete_fields = ["asset"]
    readonly_fields = ["api_key", "last_at", "last_latitude", "last_longitude", "last_accuracy_m"]
    actions = ["issue_keys"]

    @admin.action(description=gettext_lazy("Issue a new API key (the old one stops working)"))
    def issue_keys(self, request, queryset):
        from scenic_ops.core import apikeys

        for tracker in queryset:
            if tracker.api_key is not None:
                apikeys.revoke(tracker.api_key)
            issued = apikeys.issue(
                f"ops tracker {tracker.code}",
                kind="device",
                scopes=["ops:position"],
                subject=f"ops-tracker:{tracker.code}",
            )
            tracker.api_key = issued.key
            tracker.save(update_fields=["api_key", "updated_at"])
            messages.warning(
                request,
                _("API key of %(device)s (shown once): %(secret)s") % {"device": tracker.code, "secret": issued.secret},
            )


@admin.register(PositionFix)
class PositionFixAdmin(ReadOnlyAdmin):
    list_display = ["at", "tracker", "latitude", "longitude", "accuracy_m", "speed_kmh", "received_at"]
    list_filter = ["tracker__kind", "tracker"]
    list_select_related = ["tracker"]
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return CursorPaginator(queryset, per_page, orphans, allow_empty_first_page)


@admin.register(ParkMap)
class ParkMapAdmin(AuditedAdmin):
    list_display = ["name", "south", "west", "north", "east", "active"]


@admin.register(LiveMap)
class LiveMapAdmin(DeskPageAdmin):
    """The live park map (Leaflet, served locally, over the park's own map picture)."""

    def page_view(self, request):
        trackers = Tracker.objects.filter(active=True).order_by("kind", "name")
        return self.render_page(
            request,
            "operations/admin/map.html",
            _("Live map"),
            trackers=trackers,
            today=timezone.localdate().isoformat(),
            strings=json.dumps(
                {
                    "alarms": _("open alarms"),
                    "minutes_ago": _("{n} min ago"),
                    "off_duty": _("off duty"),
                    "track": _("Today's track"),
                },
                ensure_ascii=False,
            ),
            map_json=json.dumps(selectors.park_map(), ensure_ascii=False),
        )
