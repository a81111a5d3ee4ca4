"""Car parks, queues and the notices published with the figures."""

from __future__ import annotations

import math
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class ParkingLot(AuditedModel):
    """A car park (a Zone of kind 'car park') with its spaces and the vehicles in it now."""

    audit_ignored = ("updated_at", "occupied", "reading_at", "state_at")

    zone = models.OneToOneField(
        "core.Zone",
        verbose_name=_("car park"),
        on_delete=models.PROTECT,
        related_name="parking_lot",
        limit_choices_to={"kind": "parking"},
    )
    spaces = models.PositiveIntegerField(_("spaces"))
    occupied = models.IntegerField(_("vehicles in"), default=0)
    reading_at = models.DateTimeField(
        _("last free-space reading"), null=True, blank=True, help_text=_("Counts older than this are already in it.")
    )
    state_at = models.DateTimeField(_("updated"), null=True, blank=True)
    overflow = models.BooleanField(
        _("overflow car park"), default=False, help_text=_("Opened on busy days; suggested by forecast warnings.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("car park")
        verbose_name_plural = _("car parks")
        ordering = ["zone__sort_order", "zone__code"]

    def __str__(self) -> str:
        return str(self.zone)

    @property
    def vehicles(self) -> int:
        return max(0, min(self.spaces, self.occupied))

    @property
    def free(self) -> int:
        return self.spaces - self.vehicles


class WaitQueue(AuditedModel):
    """A queue at an attraction or service point; its waiting time is length ÷ service rate, or typed by staff."""

    class Mode(models.TextChoices):
        SENSOR = "sensor", _("From the queue length")
        MANUAL = "manual", _("Entered by staff")

    audit_ignored = ("updated_at", "length", "state_at")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    zone = models.ForeignKey("core.Zone", verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT)
    mode = models.CharField(_("waiting time"), max_length=8, choices=Mode.choices, default=Mode.SENSOR)
    service_rate_per_minute = models.DecimalField(
        _("served per minute"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    length = models.PositiveIntegerField(_("people waiting"), default=0)
    manual_minutes = models.PositiveIntegerField(_("waiting time typed by staff (minutes)"), null=True, blank=True)
    state_at = models.DateTimeField(_("updated"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues and waiting times")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def wait_minutes(self) -> int | None:
        if self.mode == self.Mode.MANUAL:
            return self.manual_minutes
        if self.state_at is None:
            return None
        return math.ceil(Decimal(self.length) / self.service_rate_per_minute)


class Notice(AuditedModel):
    """One row: the road traffic note and an operator's banner, published with the figures."""

    traffic_note = models.CharField(_("traffic around the site"), max_length=300, blank=True)
    traffic_note_en = models.CharField(_("traffic around the site (English)"), max_length=300, blank=True)
    banner = models.CharField(
        _("banner"), max_length=300, blank=True, help_text=_("Shown on every screen and page until cleared.")
    )
    banner_en = models.CharField(_("banner (English)"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self) -> str:
        return str(_("Public notices"))
