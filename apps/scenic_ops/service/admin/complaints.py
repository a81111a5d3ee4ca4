"""Desk: the complaint queue (SLA from the workflow engine), staff entry of hotline/12345/12301/counter
complaints, categories, message templates and the complaint analytics page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin, DeskPageAdmin
from scenic_ops.core.views import protect_files, thumbnail_link
from scenic_ops.service import complaints, selectors
from scenic_ops.service.common import normalise_email, normalise_phone
from scenic_ops.service.errors import ServiceError
from scenic_ops.service.models import (
    Complaint,
    ComplaintAnalytics,
    ComplaintCategory,
    ComplaintPhoto,
    ComplaintReply,
    MessageTemplate,
)
from scenic_ops.workflow.admin import WorkflowDocumentAdmin
from scenic_ops.workflow.admin.forms import workflow_states

protect_files("complaint-photo", ComplaintPhoto, "file", owner="complaint")


class PhotoInline(TabularInline):
    model = ComplaintPhoto
    extra = 0
    fields = ["preview", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @display(description=gettext_lazy("photo"))
    def preview(self, obj):
        return thumbnail_link("complaint-photo", obj, height=96)


class ReplyInline(TabularInline):
    model = ComplaintReply
    extra = 0
    fields = ["at", "by", "text", "sent_to"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StaffEntryForm(forms.ModelForm):
    """Staff taking a complaint down (hotline, 12345, 12301 transfer, counter): the caller's contact."""

    visitor_phone = forms.CharField(label=gettext_lazy("caller's phone"), required=False, max_length=30)
    visitor_name = forms.CharField(label=gettext_lazy("caller's name"), required=False, max_length=40)
    visitor_email = forms.CharField(label=gettext_lazy("caller's e-mail"), required=False, max_length=120)

    class Meta:
        model = Complaint
        fields = "__all__"

    def clean_visitor_phone(self):
        try:
            return normalise_phone(self.cleaned_data.get("visitor_phone"), landline_ok=True)
        except ServiceError as exc:
            raise forms.ValidationError(exc.detail) from None

    def clean_visitor_email(self):
        try:
            return normalise_email(self.cleaned_data.get("visitor_email"))
        except ServiceError as exc:
            raise forms.ValidationError(exc.detail) from None

    def clean(self):
        data = super().clean()
        if not (data.get("description") or "").strip():
            self.add_error("description", _("Please describe what happened."))
        return data


class StateFilter(admin.SimpleListFilter):
    """The workflow's states by name (the field holds their codes)."""

    title = gettext_lazy("state")
    parameter_name = "state__exact"
    document_type = "service.complaint"

    def lookups(self, request, model_admin):
        return list(workflow_states(self.document_type).items())

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("open", pgettext_lazy("complaint queue", "Open")),
            ("overdue", gettext_lazy("Past the SLA")),
            ("mine", gettext_lazy("Mine")),
            ("unhappy", gettext_lazy("Rated 1–2")),
        ]

    def queryset(self, request, queryset):
        from scenic_ops.workflow.selectors import overdue_ids

        value = self.value()
        if value == "open":
            return queryset.filter(state__in=complaints.OPEN_STATES)
        if value == "mine":
            return queryset.filter(handler=request.user).exclude(state="closed")
        if value == "unhappy":
            return queryset.filter(rating__lte=2)
        if value == "overdue":
            return queryset.filter(pk__in=overdue_ids(Complaint))
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(WorkflowDocumentAdmin):
    form = StaffEntryForm
    list_display = [
        "code",
        "subject",
        "category",
        "channel",
        "zone",
        "workflow_state",
        "workflow_sla",
        "handler",
        "rating",
        "received_at",
    ]
    list_filter = [QueueFilter, StateFilter, "category", "channel", "severity", "kind", "zone"]
    search_fields = ["code", "subject", "external_ref", "order_ref", "ticket_ref"]
    list_select_related = ["category", "zone", "handler"]
    date_hierarchy = "received_at"
    autocomplete_fields = ["zone"]
    inlines = [PhotoInline, ReplyInline]
    readonly_fields = [
        "code",
        "name_masked",
        "phone_masked",
        "email_masked",
        "entered_by",
        "received_at",
        "replied_at",
        "rating",
        "rating_comment",
        "rated_at",
        "reopen_count",
        "closed_at",
    ]
    main_fields = (
        None,
        {
            "fields": [
                ("kind", "channel", "external_ref"),
                ("category", "severity", "priority"),
                "subject",
                "description",
                ("zone", "visit_date"),
                ("order_ref", "ticket_ref", "asset_ref"),
                ("department", "handler"),
            ]
        },
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            caller = (gettext_lazy("Caller"), {"fields": [("visitor_phone", "visitor_name", "visitor_email")]})
            return [self.main_fields, caller]
        return [
            self.main_fields,
            (
                gettext_lazy("Visitor"),
                {"fields": [("code", "received_at", "entered_by"), ("name_masked", "phone_masked", "email_masked")]},
            ),
            (
                gettext_lazy("Outcome"),
                {"fields": [("replied_at", "closed_at", "reopen_count"), ("rating", "rating_comment", "rated_at")]},
            ),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        try:
            created = complaints.file_complaint(
                description=obj.description,
                subject=obj.subject,
                kind=obj.kind,
                channel=obj.channel if obj.channel != Complaint.Channel.PORTAL else Complaint.Channel.HOTLINE,
                category=obj.category,
                zone=obj.zone,
                phone=data.get("visitor_phone", ""),
                name=data.get("visitor_name", ""),
                email=data.get("visitor_email", ""),
                order_ref=obj.order_ref,
                ticket_ref=obj.ticket_ref,
                asset_ref=obj.asset_ref,
                external_ref=obj.external_ref,
                visit_date=obj.visit_date,
                severity=obj.severity,
                priority=obj.priority,
                entered_by=request.user,
            )
        except ServiceError as exc:
            messages.error(request, exc.detail)
            raise PermissionDenied(exc.detail) from None
        obj.pk = created.pk
        obj.code = created.code
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "department", "sort_order", "active"]
    list_editable = ["sort_order", "active"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(AuditedAdmin):
    list_display = ["code", "name", "subject", "active", "updated_at"]
    search_fields = ["code", "name", "body"]


@admin.register(ComplaintAnalytics)
class ComplaintAnalyticsAdmin(DeskPageAdmin):
    """Volume by category and zone, SLA compliance, ratings and repeat issues (last 30 days)."""

    def page_view(self, request):
        data = selectors.complaint_analytics()
        from scenic_ops.core.dashboard import Card

        english = (request.LANGUAGE_CODE or "").startswith("en")
        cards = [
            Card(
                title=_("Complaints per day"),
                chart_type="line",
                labels=data["days"],
                datasets=[{"name": _("Complaints"), "values": data["per_day"]}],
                width="full",
            ),
            Card(
                title=_("By category"),
                chart_type="bar",
                labels=[
                    (r["category__name_en"] if english and r["category__name_en"] else r["category__name"]) or "-"
                    for r in data["by_category"]
                ],
                datasets=[{"name": _("Complaints"), "values": [r["n"] for r in data["by_category"]]}],
            ),
            Card(
                title=_("By place"),
                chart_type="bar",
                labels=[r["zone__name"] for r in data["by_zone"]],
                datasets=[{"name": _("Complaints"), "values": [r["n"] for r in data["by_zone"]]}],
            ),
        ]
        return self.render_page(
            request,
            "service/admin/analytics.html",
            _("Complaint analytics (last 30 days)"),
            data=data,
            cards=cards,
        )
