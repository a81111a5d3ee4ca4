"""Desk: emergency plans (steps, contacts), incident types, incidents, and the incident command page
(open incidents, plan progress, tasks, timeline, a Leaflet map of incidents and zones; raise, drill)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from unfold.admin import StackedInline, TabularInline
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin, DeskPageAdmin, ReadOnlyAdmin
from scenic_ops.core.models import Role, Zone
from scenic_ops.service import incident_work, incidents, selectors
from scenic_ops.service.errors import ServiceError
from scenic_ops.service.models import (
    CommandPost,
    EmergencyPlan,
    Incident,
    IncidentNotice,
    IncidentTask,
    IncidentType,
    Level,
    PlanContact,
    PlanStep,
)

LEVEL_COLOURS = {1: "danger", 2: "danger", 3: "warning", 4: "info"}


class StepInline(TabularInline):
    model = PlanStep
    extra = 0
    fields = ["order", "title", "title_en", "owner_role", "deadline_minutes", "min_level"]


class ContactInline(StackedInline):
    model = PlanContact
    extra = 0
    fields = [("name", "kind"), ("channel", "target"), ("template", "min_level", "notify_drills")]


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(AuditedAdmin):
    list_display = ["code", "name", "version", "active", "updated_at"]
    inlines = [StepInline, ContactInline]


@admin.register(IncidentType)
class IncidentTypeAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "default_level", "plan", "active"]
    list_editable = ["plan", "active"]


class RaiseForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["type", "level", "title", "description", "zone", "latitude", "longitude", "is_drill"]


class TaskInline(TabularInline):
    model = IncidentTask
    extra = 0
    fields = [
        "order",
        "title",
        "owner_role",
        "due_at",
        "state",
        "acknowledged_by",
        "acknowledged_at",
        "done_at",
        "note",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NoticeInline(TabularInline):
    model = IncidentNotice
    extra = 0
    fields = ["at", "name", "kind", "channel", "target_display", "outbox"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(AuditedAdmin):
    form = RaiseForm
    list_display = ["code", "title", "type", "level_badge", "state", "source", "is_drill", "zone", "raised_at"]
    list_filter = ["state", "type", "level", "source", "is_drill"]
    search_fields = ["code", "title", "trigger_key"]
    list_select_related = ["type", "zone"]
    date_hierarchy = "raised_at"
    inlines = [TaskInline, NoticeInline]
    readonly_fields = [
        "code",
        "source",
        "trigger_key",
        "plan",
        "raised_at",
        "repeats",
        "reported_by",
        "reporter_phone_masked",
        "contained_at",
        "closed_at",
        "state",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["type", "level", "title", "description", "zone", ("latitude", "longitude"), "is_drill"]
        return [
            ("code", "state", "source"),
            ("type", "level", "plan"),
            "title",
            "description",
            ("zone", "latitude", "longitude"),
            ("reported_by", "reporter_phone_masked", "commander"),
            ("raised_at", "contained_at", "closed_at", "repeats"),
            "trigger_key",
            "closing_report",
        ]

    @display(description=gettext_lazy("level"), label=LEVEL_COLOURS)
    def level_badge(self, obj):
        return obj.level, obj.get_level_display()

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        try:
            raised = incidents.raise_incident(
                data["type"],
                None,
                level=data.get("level"),
                title=data.get("title", ""),
                description=data.get("description", ""),
                zone=data.get("zone"),
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                reported_by=request.user,
                is_drill=bool(data.get("is_drill")),
                source=Incident.Source.DRILL if data.get("is_drill") else Incident.Source.STAFF,
            )
        except ServiceError as exc:
            raise PermissionDenied(exc.detail) from None
        obj.pk = raised.pk
        obj.__dict__.update({k: v for k, v in raised.__dict__.items() if not k.startswith("_")})

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:service_commandpost_detail", args=[obj.pk]))


@admin.register(IncidentTask)
class IncidentTaskAdmin(ReadOnlyAdmin):
    list_display = ["incident", "title", "owner_role", "due_at", "state", "acknowledged_by", "done_at"]
    list_filter = ["state", "owner_role"]
    list_select_related = ["incident", "acknowledged_by"]
    search_fields = ["title", "incident__code"]


@admin.register(CommandPost)
class CommandPostAdmin(DeskPageAdmin):
    """The incident command page."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("raise/", view(self.raise_view), name="service_commandpost_raise"),
            path("<int:pk>/", view(self.detail_view), name="service_commandpost_detail"),
            path("<int:pk>/act/", view(self.act_view), name="service_commandpost_act"),
            *super().get_urls(),
        ]

    def page_view(self, request):
        data = selectors.command_data()
        strings = {"drill": _("drill"), "open": pgettext("incident", "Open")}
        return self.render_page(
            request,
            "service/admin/command.html",
            _("Incident command"),
            incidents=data["incidents"],
            map_json=json.dumps({**data["map"], "strings": strings}, ensure_ascii=False),
            types=IncidentType.objects.filter(active=True),
            zones=Zone.objects.filter(active=True),
            levels=Level.choices,
            can_raise=request.user.has_perm("service.add_incident"),
            can_command=request.user.has_perm("service.command_incident"),
            recent=Incident.objects.filter(state="closed").select_related("type").order_by("-closed_at")[:8],
        )

    def raise_view(self, request):
        if request.method != "POST" or not request.user.has_perm("service.add_incident"):
            raise PermissionDenied
        drill = request.POST.get("drill") == "1"
        if drill and not request.user.has_perm("service.command_incident"):
            raise PermissionDenied
        try:
            incident = incidents.raise_incident(
                request.POST.get("type", ""),
                None,
                level=request.POST.get("level") or None,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                zone=request.POST.get("zone") or None,
                reported_by=request.user,
                is_drill=drill,
                source=Incident.Source.DRILL if drill else Incident.Source.STAFF,
            )
        except ServiceError as exc:
            messages.error(request, exc.detail)
            return HttpResponseRedirect(reverse("admin:service_commandpost_changelist"))
        messages.success(request, _("%(incident)s raised; the plan has started.") % {"incident": incident})
        return HttpResponseRedirect(reverse("admin:service_commandpost_detail", args=[incident.pk]))

    def detail_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        incident = get_object_or_404(Incident.objects.select_related("type", "zone", "plan", "commander"), pk=pk)
        tasks = list(incident.tasks.select_related("acknowledged_by", "done_by"))
        mine = request.user.role_codes()
        role_names = {r.code: str(r) for r in Role.objects.select_related("group")}
        for task in tasks:
            task.role_name = role_names.get(task.owner_role, task.owner_role)
            task.mine = task.owner_role in mine or request.user.has_perm("service.command_incident")
        zones = selectors.command_data()["map"]["zones"]
        markers = [selectors.marker(incident, zones, link=False)]
        return self.render_page(
            request,
            "service/admin/incident.html",
            str(incident),
            incident=incident,
            tasks=tasks,
            events=incident.events.select_related("by"),
            notices=incident.notices.select_related("outbox"),
            dispatches=incident.dispatch_orders.all(),
            now=timezone.now(),
            levels=Level.choices,
            can_command=request.user.has_perm("service.command_incident"),
            draft=incident.closing_report or incident_work.draft_report(incident),
            map_json=json.dumps(
                {"incidents": markers, "zones": zones, "strings": {"drill": _("drill")}}, ensure_ascii=False
            ),
        )

    def act_view(self, request, pk):
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        incident = Incident.objects.filter(pk=pk).first()
        if incident is None:
            raise Http404
        back = reverse("admin:service_commandpost_detail", args=[incident.pk])
        do = request.POST.get("do", "")
        commanding = do in ("level", "contain", "close", "command")
        if commanding and not request.user.has_perm("service.command_incident"):
            raise PermissionDenied
        try:
            if do in ("ack", "done", "skip"):
                task = get_object_or_404(IncidentTask, pk=request.POST.get("task") or 0, incident=incident)
                if do == "ack":
                    incident_work.acknowledge_task(task, request.user)
                else:
                    incident_work.complete_task(task, request.user, request.POST.get("note", ""), skipped=do == "skip")
            elif do == "note":
                incident_work.add_note(incident, request.user, request.POST.get("note", ""))
            elif do == "level":
                incidents.set_level(incident, request.POST.get("level"), request.user)
            elif do == "command":
                incident_work.take_command(incident, request.user)
            elif do == "contain":
                incident_work.contain(incident, request.user)
            elif do == "close":
                incident_work.close(incident, request.user, request.POST.get("report", ""))
            else:
                raise PermissionDenied
        except ServiceError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Done."))
        return HttpResponseRedirect(back)
