"""Where capacity lives: sale days, time slots and the buckets every booking draws from.

A *bucket* is one counter with `capacity`, `used` and `reserved` (seats kept for a channel
allotment). Every booking, from any channel, takes each bucket that applies in one
conditional UPDATE; see `ticketing/inventory.py` and docs in the module docstring there.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class SaleDay(AuditedModel):
    """A calendar day's sales settings: closed, peak pricing, capacity overrides."""

    date = models.DateField(_("date"), unique=True)
    closed = models.BooleanField(_("closed"), default=False)
    note = models.CharField(_("note shown to visitors"), max_length=120, blank=True)
    peak = models.BooleanField(_("peak day (peak prices)"), default=False)
    capacity_override = models.PositiveIntegerField(
        _("daily capacity override"),
        null=True,
        blank=True,
        help_text=_("Empty: the site profile's approved daily capacity × open ratio."),
    )
    open_ratio_override = models.PositiveSmallIntegerField(
        _("open ratio override (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    sales_stopped = models.BooleanField(
        _("sales stopped"), default=False, help_text=_("Set by a visitor-flow warning or an operator in visitor flow.")
    )
    sales_stop_reason = models.CharField(_("why sales are stopped"), max_length=300, blank=True)
    sales_stopped_at = models.DateTimeField(_("sales stopped at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sale day")
        verbose_name_plural = _("sale calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return str(self.date)


class SlotTemplate(AuditedModel):
    """Generates time slots, e.g. hourly entry slots 08:00–16:00 with 2,000 places each."""

    name = models.CharField(_("name"), max_length=60)
    product = models.ForeignKey(
        "ticketing.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: the site's entry slots. A product with its own slots: its performances or departures."),
    )
    weekdays = models.CharField(_("weekdays"), max_length=7, default="1234567", help_text=_("1 = Monday … 7 = Sunday"))
    first_start = models.TimeField(_("first slot starts"))
    last_start = models.TimeField(_("last slot starts"))
    interval_minutes = models.PositiveSmallIntegerField(_("every (minutes)"), default=60)
    duration_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    capacity = models.PositiveIntegerField(_("capacity per slot"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("time slot template")
        verbose_name_plural = _("time slot templates")
        ordering = ["product_id", "first_start"]

    def __str__(self) -> str:
        return self.name


class TimeSlot(models.Model):
    """One bookable time window on one day; its capacity is its bucket (kind `slot`)."""

    date = models.DateField(_("date"))
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    product = models.ForeignKey(
        "ticketing.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE
    )
    # 0 for the site's entry slots, else the product id: keeps (owner, date, start) unique without NULLs.
    owner_key = models.PositiveIntegerField(default=0, editable=False)
    template = models.ForeignKey(SlotTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["date", "start"]
        constraints = [models.UniqueConstraint(fields=["owner_key", "date", "start"], name="tk_slot_unique")]
        indexes = [models.Index(fields=["date", "owner_key"])]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M}–{self.end:%H:%M}"


class Bucket(models.Model):
    """A capacity counter. `used + reserved <= capacity` always holds (also a CHECK constraint)."""

    class Kind(models.TextChoices):
        DAY = "day", _("Site, whole day")
        SLOT = "slot", _("Time slot")
        PRODUCT = "product", _("Product in a time slot")
        ALLOTMENT = "allotment", _("Channel allotment")

    class Allotment(models.TextChoices):
        AGENCY = "agency", _("Travel agency groups")
        OFFLINE = "offline", _("Counter and staff-assisted (elderly, walk-in)")

    key = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    slot = models.ForeignKey(
        TimeSlot, verbose_name=_("time slot"), null=True, blank=True, on_delete=models.CASCADE, related_name="buckets"
    )
    product = models.ForeignKey(
        "ticketing.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE
    )
    channel = models.CharField(_("allotment for"), max_length=10, choices=Allotment.choices, blank=True)
    # Signed on purpose: a release subtracts, and unsigned arithmetic in MariaDB errors below zero.
    capacity = models.IntegerField(_("capacity"))
    used = models.IntegerField(_("used"), default=0)
    reserved = models.IntegerField(
        _("reserved"), default=0, help_text=_("Places kept free for allotments that are not used or released yet.")
    )
    closed = models.BooleanField(_("closed"), default=False)
    release_at = models.DateTimeField(_("allotment released at"), null=True, blank=True)
    released = models.BooleanField(_("released"), default=False)
    # Bumped by every change: the Redis view keeps the newest state per bucket.
    seq = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("capacity bucket")
        verbose_name_plural = _("capacity buckets")
        ordering = ["date", "kind", "id"]
        indexes = [
            models.Index(fields=["date", "kind"]),
            models.Index(fields=["kind", "released", "release_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(used__gte=0, reserved__gte=0), name="tk_bucket_not_negative"),
            models.CheckConstraint(
                condition=Q(used__lte=F("capacity") - F("reserved")), name="tk_bucket_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}: {self.used}/{self.capacity}"

    @property
    def free(self) -> int:
        return 0 if self.closed else max(0, self.capacity - self.used - self.reserved)
