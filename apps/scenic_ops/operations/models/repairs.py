"""Repair tickets (报修工单), driven by the workflow engine, with photos, parts and work log."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


def photo_upload_to(instance, filename: str) -> str:
    return f"operations/repairs/{instance.ticket_id}/{filename}"


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class RepairTicket(AuditedModel):
    class Source(models.TextChoices):
        STAFF = "staff", _("Staff report")
        VISITOR = "visitor", _("Visitor report")
        ALARM = "alarm", _("Alarm")
        INSPECTION = "inspection", _("Inspection")

    class Category(models.TextChoices):
        MECHANICAL = "mechanical", _("Mechanical")
        ELECTRICAL = "electrical", _("Electrical")
        NETWORK = "network", _("Network and IT")
        CIVIL = "civil", _("Building and paths")
        SANITATION = "sanitation", _("Toilets and sanitation")
        SAFETY = "safety", _("Safety")
        OTHER = "other", _("Other")

    audit_masked = ("reporter_phone_enc", "reporter_phone_index")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    asset = models.ForeignKey(
        "operations.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(_("repair category"), max_length=12, choices=Category.choices, default=Category.OTHER)
    skill = models.CharField(_("skill needed"), max_length=40, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.STAFF)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=40, blank=True)
    reporter_phone_enc = models.BinaryField(null=True, blank=True, editable=False)
    reporter_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    reporter_phone_masked = models.CharField(_("reporter's phone"), max_length=20, blank=True, editable=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    alarm = models.ForeignKey(
        "operations.Alarm", verbose_name=_("alarm"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspection_task = models.ForeignKey(
        "operations.InspectionTask",
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    inspection_result = models.OneToOneField(
        "operations.InspectionResult",
        verbose_name=_("failed checklist item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    estimated_cost = models.DecimalField(
        _("estimated cost (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    parts_cost = models.DecimalField(
        _("parts cost (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    labour_hours = models.DecimalField(_("labour (hours)"), max_digits=7, decimal_places=2, default=Decimal("0"))
    labour_cost = models.DecimalField(_("labour cost (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    failure_at = models.DateTimeField(_("failure began"), default=timezone.now, db_index=True)
    work_started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    work_finished_at = models.DateTimeField(_("work finished"), null=True, blank=True)
    restored_at = models.DateTimeField(
        _("back in service"), null=True, blank=True, help_text=_("When the work was finished: ends the downtime.")
    )
    verified_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=40, blank=True, db_index=True, editable=False)
    # Mirrored from the workflow engine's events, so lists and the crew app can filter on them.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_tickets",
        editable=False,
    )
    resolution_due = models.DateTimeField(_("resolve by"), null=True, blank=True, editable=False)
    sla_status = models.CharField(_("SLA"), max_length=10, blank=True, editable=False)
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("repair ticket")
        verbose_name_plural = _("repair tickets")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["asset", "failure_at"]), models.Index(fields=["assignee", "state"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def total_cost(self) -> Decimal:
        return (self.parts_cost or Decimal("0")) + (self.labour_cost or Decimal("0"))


class RepairPhoto(models.Model):
    class Stage(models.TextChoices):
        REPORT = "report", _("Reported")
        BEFORE = "before", _("Before")
        AFTER = "after", _("After")

    ticket = models.ForeignKey(RepairTicket, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    file = models.FileField(_("photo"), upload_to=photo_upload_to, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair photo")
        verbose_name_plural = _("repair photos")
        ordering = ["ticket", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.file.name.rsplit('/', 1)[-1]}"


class RepairPart(models.Model):
    ticket = models.ForeignKey(RepairTicket, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(_("part"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=2, default=Decimal("1"))
    unit_cost = models.DecimalField(_("unit cost (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["ticket", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def cost(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"))


class RepairWorkLog(models.Model):
    """What the crew did on the ticket from their phones: start, pause, resume, finish (append-only)."""

    class Action(models.TextChoices):
        ACCEPT = "accept", _("Accepted")
        START = "start", _("Work started")
        PAUSE = "pause", _("Paused (waiting for parts)")
        RESUME = "resume", _("Resumed")
        FINISH = "finish", _("Finished")
        NOTE = "note", _("Note")

    ticket = models.ForeignKey(RepairTicket, on_delete=models.CASCADE, related_name="work_log")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    at = models.DateTimeField(_("time (phone)"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log")
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
