"""Connected devices, what they report, alarm rules and the alarms they raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Device(AuditedModel):
    """A controller or sensor that reports on an asset through the device API."""

    audit_ignored = ("updated_at", "last_seen_at", "last_device_at", "status", "metrics", "online")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    asset = models.ForeignKey(
        "operations.Asset", verbose_name=_("asset"), on_delete=models.CASCADE, related_name="devices"
    )
    api_key = models.OneToOneField(
        "core.ApiKey", verbose_name=_("API key"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offline_after_minutes = models.PositiveIntegerField(
        _("offline after (minutes)"), default=10, help_text=_("Silence longer than this raises an offline alarm.")
    )
    active = models.BooleanField(_("active"), default=True)
    online = models.BooleanField(_("online"), default=False, editable=False)
    status = models.CharField(_("reported status"), max_length=40, blank=True, editable=False)
    metrics = models.JSONField(_("latest metrics"), default=dict, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last message"), null=True, blank=True, editable=False)
    last_device_at = models.DateTimeField(_("newest record (device time)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TelemetryRecord(models.Model):
    """One record a device sent, stamped with the device's own time (append-only)."""

    class Kind(models.TextChoices):
        HEARTBEAT = "heartbeat", _("Heartbeat")
        STATUS = "status", _("Status")
        METRIC = "metric", _("Metric")
        FAULT = "fault", _("Fault")
        FAULT_CLEARED = "fault_cleared", _("Fault cleared")

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE, related_name="records")
    at = models.DateTimeField(_("time (device)"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    name = models.CharField(_("metric, status or fault code"), max_length=40, blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("message"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("telemetry record")
        verbose_name_plural = _("telemetry records")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "at", "kind", "name"], name="ops_telemetry_unique"),
        ]
        indexes = [models.Index(fields=["device", "kind", "name", "-at"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} {self.name}"


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlarmRule(AuditedModel):
    """When a device's reports raise an alarm, when it clears, and what follows."""

    class Kind(models.TextChoices):
        OFFLINE = "offline", _("Device offline")
        FAULT = "fault", _("Fault code")
        METRIC = "metric", _("Metric threshold")
        STATUS = "status", _("Reported status")

    class Operator(models.TextChoices):
        ABOVE = "gt", _("above")
        BELOW = "lt", _("below")

    name = models.CharField(_("name"), max_length=80, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    kind = models.CharField(_("cause"), max_length=8, choices=Kind.choices)
    category = models.ForeignKey(
        "operations.AssetCategory",
        verbose_name=_("assets of category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: every category."),
    )
    asset = models.ForeignKey(
        "operations.Asset",
        verbose_name=_("only this asset"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    metric = models.CharField(_("metric"), max_length=40, blank=True, help_text=_("E.g. wind_speed."))
    operator = models.CharField(_("raise when"), max_length=2, choices=Operator.choices, default=Operator.ABOVE)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=3, null=True, blank=True)
    clear_threshold = models.DecimalField(
        _("clear at"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Value at which the alarm clears (hysteresis); empty: the threshold."),
    )
    fault_codes = models.JSONField(_("fault codes"), default=list, blank=True, help_text=_("Empty: any fault code."))
    statuses = models.JSONField(_("statuses"), default=list, blank=True, help_text=_("Reported statuses that alarm."))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING)
    auto_clear = models.BooleanField(_("clear automatically on recovery"), default=True)
    create_ticket = models.BooleanField(_("open a repair ticket"), default=False)
    ticket_priority = models.CharField(_("ticket priority"), max_length=10, default="high")
    raise_site_warning = models.BooleanField(
        _("raise the site's safety warning"),
        default=False,
        help_text=_("For special equipment: tell the visitor-flow warning service."),
    )
    notify_roles = models.JSONField(_("notify roles"), default=list, blank=True)
    open_incident = models.CharField(
        _("open an incident of type"),
        max_length=30,
        blank=True,
        help_text=_("An incident type code (e.g. fire, special_equipment): the alarm starts its emergency plan."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Alarm(AuditedModel):
    """One occurrence of a cause on a device. While open, its cause cannot open a second alarm."""

    class State(models.TextChoices):
        OPEN = "open", _("Not handled")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLEARED = "cleared", _("Cleared")

    audit_ignored = ("updated_at", "last_at", "occurrences", "value")

    rule = models.ForeignKey(AlarmRule, verbose_name=_("rule"), null=True, on_delete=models.SET_NULL, related_name="+")
    asset = models.ForeignKey(
        "operations.Asset", verbose_name=_("asset"), on_delete=models.CASCADE, related_name="alarms"
    )
    device = models.ForeignKey(
        Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.SET_NULL, related_name="alarms"
    )
    kind = models.CharField(_("cause"), max_length=8, choices=AlarmRule.Kind.choices)
    cause = models.CharField(_("cause key"), max_length=80)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    title = models.CharField(_("alarm"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4, null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True)
    first_at = models.DateTimeField(_("started (device time)"))
    last_at = models.DateTimeField(_("last seen (device time)"))
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    raised_at = models.DateTimeField(_("raised"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clear_reason = models.CharField(_("how it cleared"), max_length=120, blank=True)
    ticket = models.ForeignKey(
        "operations.RepairTicket",
        verbose_name=_("repair ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alarms",
    )
    site_warning = models.CharField(_("site warning"), max_length=200, blank=True)
    # Set while the alarm is not cleared: the database refuses a second open alarm for the same cause.
    open_key = models.CharField(max_length=160, null=True, blank=True, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["asset", "-raised_at"])]

    def __str__(self) -> str:
        return self.title
