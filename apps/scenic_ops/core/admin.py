from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from scenic_ops.core import apikeys, outbox, pii, scheduling
from scenic_ops.core.admin_base import AuditedAdmin, ReadOnlyAdmin, unregister
from scenic_ops.core.forms import StaffLoginForm
from scenic_ops.core.models import (
    ApiKey,
    AuditEvent,
    CalendarDay,
    Department,
    JobRun,
    JobSchedule,
    OutboxMessage,
    PatchRun,
    RecordedMessage,
    Role,
    SiteProfile,
    SystemAlert,
    User,
    Zone,
)

admin.site.site_header = _("scenic-ops")
admin.site.site_title = _("scenic-ops")
admin.site.index_title = _("Operations desk")
admin.site.login_form = StaffLoginForm


class PhoneFormMixin(forms.ModelForm):
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=20,
        help_text=_("Stored encrypted; shown masked. Leave empty to keep the current number."),
    )

    def save(self, commit=True):
        obj = super().save(commit=False)
        if self.cleaned_data.get("phone"):
            pii.assign(obj, "phone", self.cleaned_data["phone"], kind="phone")
        if commit:
            obj.save()
            self.save_m2m()
        return obj


class StaffChangeForm(PhoneFormMixin, UserChangeForm):
    pass


class StaffCreationForm(PhoneFormMixin, UserCreationForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin, AuditedAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "display_name", "employee_no", "department", "roles", "phone_masked", "is_active"]
    list_filter = ["is_active", "department", "groups"]
    search_fields = ["username", "display_name", "employee_no"]
    readonly_fields = ["phone_masked", "last_login", "date_joined"]
    filter_horizontal = ["groups", "zones"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Staff profile"),
            {
                "fields": (
                    "display_name",
                    "employee_no",
                    "phone_masked",
                    "phone",
                    "department",
                    "manager",
                    "skills",
                    "zones",
                )
            },
        ),
        (_("Roles and access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "password1",
                    "password2",
                    "display_name",
                    "employee_no",
                    "phone",
                    "department",
                    "groups",
                ),
            },
        ),
    )

    @display(description=_("Roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department").prefetch_related("groups")


unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ["code", "group", "name_en", "description"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "parent", "head"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["head"]


@admin.register(SiteProfile)
class SiteProfileAdmin(AuditedAdmin):
    list_display = ["name", "grade", "max_instant_capacity", "max_daily_capacity", "open_ratio_percent"]
    fieldsets = (
        (None, {"fields": ("name", "name_en", "grade", "operator", "credit_code")}),
        (_("Location"), {"fields": ("province", "city", "address", "website")}),
        (
            _("Opening and capacity (LB/T 034-2014)"),
            {
                "fields": (
                    "opening_time",
                    "closing_time",
                    "max_instant_capacity",
                    "max_daily_capacity",
                    "mean_visit_hours",
                    "open_ratio_percent",
                )
            },
        ),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Zone)
class ZoneAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "instant_capacity", "spatial", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "name_en"]

    @display(description=_("spatial capacity"))
    def spatial(self, obj):
        return obj.spatial_capacity


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from scenic_ops.core import calendar

        calendar.invalidate()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor_name", "content_type", "object_repr", "short_changes", "ip"]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "message"]
    date_hierarchy = "at"
    list_select_related = ["content_type"]
    show_full_result_count = False

    @display(description=_("changes"))
    def short_changes(self, obj):
        if obj.message:
            return obj.message
        return ", ".join(list(obj.changes)[:6])


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "target_display",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["target_display", "subject", "source"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "target_enc"]
    exclude = ["target_enc"]
    actions = ["resend_selected"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request, object_id=None):
        return request.user.has_perm("core.resend_outboxmessage")

    @display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @action(description=_("Re-send selected dead letters"), permissions=["resend"])
    def resend_selected(self, request, queryset):
        dead = list(queryset.filter(status=OutboxMessage.Status.DEAD))
        for message in dead:
            outbox.resend(message)
        messages.success(request, _("%d message(s) queued again.") % len(dead))


@admin.register(RecordedMessage)
class RecordedMessageAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "channel", "target_display", "subject", "body"]
    list_filter = ["channel"]
    search_fields = ["target_display", "subject", "body"]


@admin.register(JobSchedule)
class JobScheduleAdmin(ModelAdmin):
    list_display = ["name", "job_description", "schedule", "enabled", "last_started_at", "last_status"]
    list_editable = ["enabled"]
    readonly_fields = [
        "name",
        "job_description",
        "schedule",
        "timeout_seconds",
        "first_seen_at",
        "last_started_at",
        "last_status",
    ]
    actions = ["run_selected_now"]
    actions_detail = ["run_now_detail"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_run_job_permission(self, request, object_id=None):
        return request.user.has_perm("core.run_job")

    @display(description=_("description"))
    def job_description(self, obj):
        # Stored as the jobs declare it (English); the catalogue has each one (third_party_i18n).
        return gettext(obj.description) if obj.description else ""

    @action(description=_("Run selected jobs now"), permissions=["run_job"])
    def run_selected_now(self, request, queryset):
        for schedule in queryset:
            scheduling.run_now(schedule.name, user=request.user)
        messages.success(request, _("%d job(s) queued.") % queryset.count())

    @action(description=_("Run now"), permissions=["run_job"], url_path="run-now")
    def run_now_detail(self, request, object_id):
        from django.shortcuts import redirect

        schedule = JobSchedule.objects.get(pk=object_id)
        run = scheduling.run_now(schedule.name, user=request.user)
        messages.success(request, _("Job %(name)s queued as run #%(run)s.") % {"name": schedule.name, "run": run.pk})
        return redirect("admin:core_jobrun_changelist")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "name",
        "trigger",
        "status_badge",
        "progress",
        "queued_at",
        "started_at",
        "duration",
        "result",
    ]
    list_filter = ["status", "trigger", "name"]
    search_fields = ["name", "rq_job_id"]
    show_full_result_count = False

    @display(
        description=_("status"),
        label={"success": "success", "failed": "danger", "running": "info", "queued": "warning"},
    )
    def status_badge(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("duration (s)"))
    def duration(self, obj):
        value = obj.duration_seconds
        return "" if value is None else f"{value:.1f}"


@admin.register(SystemAlert)
class SystemAlertAdmin(ModelAdmin):
    list_display = ["raised_at", "kind", "subject", "message", "cleared_at"]
    list_filter = ["kind", ("cleared_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["kind", "subject", "message", "raised_at"]

    def has_add_permission(self, request):
        return False


class ApiKeyForm(forms.ModelForm):
    scopes_text = forms.CharField(
        label=_("Scopes"), required=False, help_text=_("Comma-separated, e.g. gate:validate, partner:orders")
    )

    class Meta:
        model = ApiKey
        fields = ["name", "kind", "subject", "rate_limit_per_minute", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["scopes_text"].initial = ", ".join(self.instance.scopes)

    def clean_scopes_text(self):
        return sorted({s.strip() for s in self.cleaned_data["scopes_text"].split(",") if s.strip()})


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin):
    form = ApiKeyForm
    list_display = ["name", "kind", "prefix", "subject", "scope_list", "last_used_at", "state"]
    list_filter = ["kind"]
    search_fields = ["name", "prefix", "subject"]
    actions = ["revoke_selected"]

    @display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    @display(description=_("state"), label={"active": "success", "revoked": "danger"})
    def state(self, obj):
        return ("revoked", _("Revoked")) if obj.revoked_at else ("active", _("Active"))

    def save_model(self, request, obj, form, change):
        if change:
            obj.scopes = form.cleaned_data["scopes_text"]
            obj.save()
            apikeys.changed()
            return
        issued = apikeys.issue(
            obj.name,
            kind=obj.kind,
            scopes=form.cleaned_data["scopes_text"],
            subject=obj.subject,
            rate_limit_per_minute=obj.rate_limit_per_minute,
            expires_at=obj.expires_at,
        )
        obj.pk = issued.key.pk
        obj._state.adding = False
        messages.warning(
            request, format_html("{} <code>{}</code>", _("Copy the key now; it is not shown again:"), issued.secret)
        )

    @action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            apikeys.revoke(key)
        messages.success(request, _("Keys revoked."))


@admin.register(PatchRun)
class PatchRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "applied_at"]


# --- Two-factor devices (django-otp declares its texts without translations) ----------------------
TOTPDevice._meta.verbose_name = _("TOTP device")
TOTPDevice._meta.verbose_name_plural = _("TOTP devices")
TOTP_LABELS = {
    "user": (_("user"), _("The user that this device belongs to.")),
    "name": (_("name"), _("The human-readable name of this device.")),
    "confirmed": (pgettext_lazy("device", "confirmed"), _("Is this device ready for use?")),
    "created_at": (_("created"), _("When this device was added.")),
    "last_used_at": (_("last used"), _("When this device last gave a valid code.")),
    "key": (_("secret key"), _("A hex-encoded secret key of up to 40 bytes.")),
    "step": (_("time step (s)"), _("The time step in seconds.")),
    "t0": (_("start time (Unix)"), _("The Unix time at which to begin counting steps.")),
    "digits": (_("digits"), _("The number of digits to expect in a code.")),
    "tolerance": (_("tolerance (steps)"), _("The number of time steps in the past or future to allow.")),
    "drift": (_("clock drift (steps)"), _("The number of time steps the device's clock is known to be off.")),
    "throttling_failure_timestamp": (_("last failed attempt"), _("Empty when the last attempt succeeded.")),
    "throttling_failure_count": (_("failed attempts in a row"), _("Number of successive failed attempts.")),
}
for _field, (_label, _help) in TOTP_LABELS.items():
    # Only the label: Django keeps the declared verbose_name for migrations (help texts are set on the form).
    TOTPDevice._meta.get_field(_field).verbose_name = _label

unregister(TOTPDevice)


@admin.register(TOTPDevice)
class DeskTOTPDeviceAdmin(ModelAdmin, TOTPDeviceAdmin):
    """django-otp's device admin (QR code set-up kept) in the desk's look and language."""

    FIELDSETS = {
        "Identity": pgettext_lazy("device", "Identity"),
        "Timestamps": _("Times"),
        "Configuration": _("Configuration"),
        "State": pgettext_lazy("device", "State"),
        "Throttling": _("Throttling"),
    }

    def get_fieldsets(self, request, obj=None):
        return [(self.FIELDSETS.get(title, title), options) for title, options in super().get_fieldsets(request, obj)]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in TOTP_LABELS:
            kwargs["help_text"] = TOTP_LABELS[db_field.name][1]
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @display(description=_("QR code"))
    def qrcode_link(self, device):
        return TOTPDeviceAdmin.qrcode_link(self, device)
