"""Desk: notification, assignment, SLA and escalation rules, webhooks, delegations."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy
from unfold.admin import TabularInline
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin
from scenic_ops.core.models import User
from scenic_ops.workflow import registry
from scenic_ops.workflow.admin.forms import (
    AssignmentRuleForm,
    DelegationForm,
    EscalationRuleForm,
    NotificationRuleForm,
    SlaPolicyForm,
    WebhookForm,
)
from scenic_ops.workflow.models import (
    AssignmentRule,
    Delegation,
    EscalationRule,
    NotificationRule,
    SlaPolicy,
    SlaTarget,
    Webhook,
)

TEMPLATE_HELP = gettext_lazy(
    "Write {{ field }} to insert a value: the document's fields, or document, document_type, state, "
    "from_state, action, actor, comment, link, requester, assignee, due, days."
)


class DocumentTypeColumn:
    @display(description=gettext_lazy("document type"))
    def document_type_label(self, obj):
        spec = registry.get(obj.document_type)
        return spec.label if spec else obj.document_type or gettext_lazy("every type")


@admin.register(NotificationRule)
class NotificationRuleAdmin(DocumentTypeColumn, AuditedAdmin):
    form = NotificationRuleForm
    list_display = ["name", "document_type_label", "event", "state", "channels", "enabled"]
    list_filter = ["enabled", "event", "document_type"]
    search_fields = ["name", "subject"]
    autocomplete_fields = ["recipient_users"]
    fieldsets = (
        (None, {"fields": ("name", "document_type", "enabled")}),
        (gettext_lazy("When"), {"fields": ("event", "state", "action", "field", "days", "condition")}),
        (
            gettext_lazy("Who"),
            {
                "fields": (
                    "recipient_roles",
                    "recipient_users",
                    "recipient_field",
                    ("to_requester", "to_department_head", "to_assignee", "to_approvers"),
                )
            },
        ),
        (gettext_lazy("How"), {"fields": (("in_app", "email", "sms", "wecom"), "wecom_webhook")}),
        (
            gettext_lazy("Message"),
            {"fields": ("subject", "message", "subject_en", "message_en"), "description": TEMPLATE_HELP},
        ),
    )

    @display(description=gettext_lazy("channels"))
    def channels(self, obj):
        names = [
            label
            for flag, label in (
                (obj.in_app, gettext_lazy("in-app")),
                (obj.email, gettext_lazy("email")),
                (obj.sms, gettext_lazy("SMS")),
                (obj.wecom, gettext_lazy("WeCom")),
            )
            if flag
        ]
        return ", ".join(str(n) for n in names)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(DocumentTypeColumn, AuditedAdmin):
    form = AssignmentRuleForm
    list_display = ["name", "document_type_label", "trigger", "state", "role", "strategy", "priority", "enabled"]
    list_filter = ["enabled", "strategy", "document_type"]
    search_fields = ["name"]


class SlaTargetInline(TabularInline):
    model = SlaTarget
    extra = 0
    min_num = 1


@admin.register(SlaPolicy)
class SlaPolicyAdmin(DocumentTypeColumn, AuditedAdmin):
    form = SlaPolicyForm
    inlines = [SlaTargetInline]
    list_display = ["name", "document_type_label", "priority", "working_hours", "warn_at_percent", "enabled"]
    list_filter = ["enabled", "document_type"]
    search_fields = ["name"]

    @display(description=gettext_lazy("working hours"))
    def working_hours(self, obj):
        if obj.around_the_clock:
            return gettext_lazy("around the clock")
        return f"{obj.day_start:%H:%M}–{obj.day_end:%H:%M}"


@admin.register(EscalationRule)
class EscalationRuleAdmin(DocumentTypeColumn, AuditedAdmin):
    form = EscalationRuleForm
    list_display = ["name", "document_type_label", "state", "after_hours", "working_hours", "enabled"]
    list_filter = ["enabled", "document_type"]
    search_fields = ["name"]
    autocomplete_fields = ["to_users"]


@admin.register(Webhook)
class WebhookAdmin(DocumentTypeColumn, AuditedAdmin):
    form = WebhookForm
    list_display = ["name", "document_type_label", "url", "enabled"]
    list_filter = ["enabled"]
    search_fields = ["name", "url"]


@admin.register(Delegation)
class DelegationAdmin(AuditedAdmin):
    """Everyone manages their own delegations; administrators see all of them."""

    form = DelegationForm
    list_display = ["principal", "delegate", "starts_at", "ends_at", "reason", "revoked_at"]
    list_filter = ["starts_at"]
    search_fields = ["principal__username", "principal__display_name", "delegate__username", "delegate__display_name"]

    def _sees_all(self, request) -> bool:
        return request.user.is_superuser or request.user.has_perm("workflow.delete_delegation")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("principal", "delegate")
        if self._sees_all(request):
            return qs
        return qs.filter(principal=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in ("principal", "delegate"):
            if name in form.base_fields:
                form.base_fields[name].queryset = User.objects.filter(is_active=True, is_staff=True)
        if not self._sees_all(request) and "principal" in form.base_fields:
            field = form.base_fields["principal"]
            field.queryset = field.queryset.filter(pk=request.user.pk)
            field.initial = request.user.pk
        return form

    def get_changeform_initial_data(self, request):
        return {"principal": request.user.pk, **super().get_changeform_initial_data(request)}
