"""Rules stored as data: who is told, who gets the work, how fast, what happens when it waits."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Event(models.TextChoices):
    CREATED = "created", _("Document created")
    STATE_ENTERED = "state_entered", _("State entered")
    TRANSITION = "transition", _("Action taken")
    FIELD_CHANGED = "field_changed", _("Field changed")
    DAYS_BEFORE = "days_before", _("N days before a date field")
    DAYS_AFTER = "days_after", _("N days after a date field")
    ASSIGNED = "assigned", _("Assigned")
    ESCALATED = "escalated", _("Escalated")
    SLA_WARNING = "sla_warning", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class NotificationRule(AuditedModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    document_type = models.CharField(_("document type"), max_length=80, db_index=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    state = models.SlugField(_("state"), max_length=40, blank=True, help_text=_("For “state entered”: which state."))
    action = models.SlugField(_("action"), max_length=40, blank=True, help_text=_("For “action taken”: which action."))
    field = models.CharField(
        _("field"), max_length=40, blank=True, help_text=_("For “field changed” or the date field for N days.")
    )
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    condition = models.TextField(_("condition"), blank=True)
    # Recipients
    recipient_roles = models.JSONField(_("roles"), default=list, blank=True)
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+"
    )
    recipient_field = models.CharField(_("user field of the document"), max_length=40, blank=True)
    to_requester = models.BooleanField(_("the requester"), default=False)
    to_department_head = models.BooleanField(_("head of the document's department"), default=False)
    to_assignee = models.BooleanField(_("the assignee"), default=False)
    to_approvers = models.BooleanField(_("whoever may act next"), default=False)
    # Channels
    in_app = models.BooleanField(_("in-app"), default=True)
    email = models.BooleanField(_("email"), default=False)
    sms = models.BooleanField(_("SMS"), default=False)
    wecom = models.BooleanField(_("WeCom robot"), default=False)
    wecom_webhook = models.URLField(_("WeCom robot webhook"), max_length=300, blank=True)
    # Message templates: {{ field }} placeholders
    subject = models.CharField(_("subject (Chinese)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    message = models.TextField(_("message (Chinese)"), blank=True)
    message_en = models.TextField(_("message (English)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["document_type", "name"]

    def __str__(self) -> str:
        return self.name


class AssignmentRule(AuditedModel):
    class Trigger(models.TextChoices):
        CREATED = "created", _("When created")
        STATE = "state", _("When entering a state")

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_OPEN = "least_open", _("Least open work")
        ZONE_SKILL = "zone_skill", _("Matching zone and skill, then least open work")

    name = models.CharField(_("name"), max_length=80, unique=True)
    document_type = models.CharField(_("document type"), max_length=80, db_index=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Higher runs first; the first match wins.")
    )
    trigger = models.CharField(_("when"), max_length=10, choices=Trigger.choices, default=Trigger.CREATED)
    state = models.SlugField(_("state"), max_length=40, blank=True)
    condition = models.TextField(_("condition"), blank=True)
    role = models.CharField(_("among users of the role"), max_length=40)
    strategy = models.CharField(_("strategy"), max_length=12, choices=Strategy.choices, default=Strategy.ROUND_ROBIN)
    keep_assignee = models.BooleanField(
        _("keep a qualified assignee"),
        default=False,
        help_text=_("Skip the rule when the document already has an assignee who holds the role."),
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["document_type", "-priority", "name"]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(AuditedModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    document_type = models.CharField(_("document type"), max_length=80, db_index=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher is tried first."))
    condition = models.TextField(_("condition"), blank=True)
    day_start = models.TimeField(_("working day starts"), default=dt.time(8, 30))
    day_end = models.TimeField(_("working day ends"), default=dt.time(17, 30))
    around_the_clock = models.BooleanField(
        _("around the clock"), default=False, help_text=_("Count every hour, ignoring working hours and holidays.")
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the resolution time)"), default=80, help_text=_("0 turns the warning off.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["document_type", "-priority", "name"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(
        _("document priority"), max_length=40, blank=True, help_text=_("Empty: any priority without its own row.")
    )
    response_hours = models.DecimalField(_("respond within (hours)"), max_digits=6, decimal_places=2)
    resolution_hours = models.DecimalField(_("resolve within (hours)"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [models.UniqueConstraint(fields=["policy", "priority"], name="workflow_sla_target_unique")]

    def __str__(self) -> str:
        return f"{self.priority or '*'}: {self.response_hours}h / {self.resolution_hours}h"


class EscalationRule(AuditedModel):
    """A document waiting too long in a state is handed to the next level, and people are told."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    document_type = models.CharField(_("document type"), max_length=80, db_index=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    state = models.SlugField(_("state"), max_length=40)
    after_hours = models.DecimalField(_("after (hours)"), max_digits=7, decimal_places=2)
    working_hours = models.BooleanField(
        _("count working hours only"), default=True, help_text=_("08:30–17:30 on working days of the holiday calendar.")
    )
    to_approvers_managers = models.BooleanField(_("the waiting approvers' managers"), default=True)
    to_roles = models.JSONField(_("roles"), default=list, blank=True)
    to_users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+")
    to_department_head = models.BooleanField(_("head of the document's department"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["document_type", "state", "after_hours"]

    def __str__(self) -> str:
        return self.name


class Webhook(AuditedModel):
    """Workflow events POSTed to another system through the outbox (signed, retried)."""

    audit_masked = ("secret_enc",)

    name = models.CharField(_("name"), max_length=80, unique=True)
    document_type = models.CharField(_("document type"), max_length=80, blank=True, help_text=_("Empty: every type."))
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Empty: every event."))
    url = models.URLField(_("URL"), max_length=300)
    secret_enc = models.BinaryField(null=True, blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
