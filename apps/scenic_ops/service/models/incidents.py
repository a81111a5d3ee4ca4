"""Incidents and emergency plans (as data): steps with owner roles and deadlines, contacts, templates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


def _bilingual(obj, field: str) -> str:
    en = getattr(obj, f"{field}_en", "")
    return en if (get_language() or "").startswith("en") and en else getattr(obj, field)


class Level(models.IntegerChoices):
    """Emergency levels of the national emergency response system (IV lowest, I highest)."""

    IV = 4, _("Level IV (general)")
    III = 3, _("Level III (larger)")
    II = 2, _("Level II (major)")
    I = 1, _("Level I (especially major)")  # noqa: E741


class EmergencyPlan(AuditedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["code"]

    def __str__(self) -> str:
        return _bilingual(self, "name")


class PlanStep(models.Model):
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("task"), max_length=120)
    title_en = models.CharField(_("English task"), max_length=160, blank=True)
    owner_role = models.CharField(_("owner role"), max_length=40, help_text=_("Role code, e.g. security."))
    deadline_minutes = models.PositiveIntegerField(_("deadline (minutes after raising)"), default=15)
    instructions = models.TextField(_("instructions"), blank=True)
    min_level = models.PositiveSmallIntegerField(
        _("only from level"), choices=Level.choices, default=Level.IV, help_text=_("Level IV: always.")
    )

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return _bilingual(self, "title")


class PlanContact(models.Model):
    """Who is told when the plan starts: an internal team or an outside agency."""

    class Kind(models.TextChoices):
        TEAM = "team", _("Internal team")
        POLICE = "police", _("Police")
        FIRE = "fire", _("Fire and rescue")
        MEDICAL = "medical", _("Medical emergency")
        WEATHER = "weather", _("Weather service")
        TRANSPORT = "transport", _("Transport")
        EMERGENCY = "emergency", _("Emergency management")
        TOURISM = "tourism", _("Culture and tourism bureau")
        DISEASE = "disease", _("Disease control")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.SMS)
    target = models.CharField(_("number, address or URL"), max_length=300)
    template = models.ForeignKey(
        "service.MessageTemplate",
        verbose_name=_("message template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Empty: the standard incident notice."),
    )
    min_level = models.PositiveSmallIntegerField(_("only from level"), choices=Level.choices, default=Level.IV)
    notify_drills = models.BooleanField(_("also in drills"), default=False)

    class Meta:
        verbose_name = _("plan contact")
        verbose_name_plural = _("plan contacts")
        ordering = ["plan", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class IncidentType(AuditedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    default_level = models.PositiveSmallIntegerField(_("default level"), choices=Level.choices, default=Level.IV)
    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("emergency plan"), null=True, blank=True, on_delete=models.SET_NULL
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")
        ordering = ["code"]

    def __str__(self) -> str:
        return _bilingual(self, "name")


class Incident(AuditedModel):
    audit_masked = ("reporter_phone_enc",)

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("incident state", "Open")
        CONTAINED = "contained", _("Contained")
        CLOSED = "closed", pgettext_lazy("incident", "Closed")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        SOS = "sos", _("Visitor SOS")
        FLOW = "flow", _("Visitor-flow warning level")
        ALARM = "alarm", _("Device alarm")
        API = "api", _("External system (API)")
        DRILL = "drill", _("Drill")

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    type = models.ForeignKey(IncidentType, verbose_name=_("type"), on_delete=models.PROTECT)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.IV)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    source = models.CharField(_("raised by"), max_length=8, choices=Source.choices, default=Source.STAFF)
    trigger_key = models.CharField(
        _("trigger"), max_length=190, null=True, blank=True, unique=True, help_text=_("Raising twice = one incident.")
    )
    is_drill = models.BooleanField(_("drill"), default=False, db_index=True)
    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("emergency plan"), null=True, blank=True, on_delete=models.SET_NULL
    )
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_phone_enc = models.BinaryField(null=True, blank=True, editable=False)
    reporter_phone_masked = models.CharField(_("reporter's phone"), max_length=20, blank=True, editable=False)
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commander"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised"), db_index=True)
    repeats = models.PositiveIntegerField(_("raised again"), default=0, editable=False)
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(pgettext_lazy("time", "closed"), null=True, blank=True, editable=False)
    closing_report = models.TextField(_("closing report"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-raised_at", "-id"]
        permissions = [("command_incident", _("Can command incidents (level, close, drills)"))]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class IncidentTask(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Not needed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    step = models.ForeignKey(PlanStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("task"), max_length=160)
    instructions = models.TextField(_("instructions"), blank=True)
    owner_role = models.CharField(_("owner role"), max_length=40, db_index=True)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(pgettext_lazy("time", "done"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    overdue_notified = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        ordering = ["incident", "order", "id"]

    def __str__(self) -> str:
        return self.title


class IncidentNotice(models.Model):
    """A message to a team or agency, sent through the outbox."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    contact = models.ForeignKey(PlanContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("to"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=PlanContact.Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=PlanContact.Channel.choices)
    target_display = models.CharField(_("recipient"), max_length=200)
    body = models.TextField(_("text"))
    outbox = models.ForeignKey("core.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("incident notice")
        verbose_name_plural = _("incident notices")
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return self.name


class IncidentEvent(models.Model):
    """The timeline: everything that happened to an incident, in order."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        REPEATED = "repeated", _("Raised again")
        PLAN = "plan", _("Plan started")
        NOTICE = "notice", _("Notice sent")
        TASK = "task", _("Task")
        LEVEL = "level", _("Level changed")
        NOTE = "note", _("Note")
        DISPATCH = "dispatch", _("Dispatch")
        STATE = "state", _("State changed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("what happened"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(_("by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("incident timeline entry")
        verbose_name_plural = _("incident timeline")
        ordering = ["incident", "at", "id"]

    def __str__(self) -> str:
        return self.text[:60]
