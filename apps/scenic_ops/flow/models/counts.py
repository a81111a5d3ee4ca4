"""Counts: passages per place and hour, corrections, and the daily history forecasts learn from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel

SITE_KEY = 0  # zone_key of the whole scenic area


class FlowCount(models.Model):
    """Entries and exits of one place in one local hour, spread over a few shard rows.

    `zone_key` is 0 for the whole site, else the Zone's id (no NULL in the unique key).
    Gates add to a random shard so concurrent scans do not queue on one hot row; readers
    sum the shards. Values are signed: a device correcting a count subtracts.
    """

    day = models.DateField(_("day"))
    zone_key = models.PositiveIntegerField(_("place"), default=SITE_KEY)
    hour = models.PositiveSmallIntegerField(_("hour"))
    shard = models.PositiveSmallIntegerField(default=0)
    entries = models.IntegerField(_("entries"), default=0)
    exits = models.IntegerField(_("exits"), default=0)

    class Meta:
        verbose_name = _("hourly count")
        verbose_name_plural = _("hourly counts")
        constraints = [
            models.UniqueConstraint(fields=["day", "zone_key", "hour", "shard"], name="flow_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}h #{self.zone_key}: +{self.entries} −{self.exits}"


class PassageKey(models.Model):
    """Idempotency of `record_passages`: a caller's event id is applied once."""

    key = models.CharField(max_length=190, unique=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("passage key")
        verbose_name_plural = _("passage keys")

    def __str__(self) -> str:
        return self.key


class CountAdjustment(AuditedModel):
    """An operator's correction of the people present (e.g. after a manual head count)."""

    zone = models.ForeignKey(
        "core.Zone",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: the whole scenic area."),
    )
    day = models.DateField(_("day"))
    delta = models.IntegerField(_("change of people present"))
    counted = models.PositiveIntegerField(_("people counted"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("count correction")
        verbose_name_plural = _("count corrections")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["day", "zone"])]

    def __str__(self) -> str:
        return f"{self.day} {self.zone or _('whole site')}: {self.delta:+d}"


class DailyFlow(models.Model):
    """One day of the whole site: what forecasts learn from and are compared with."""

    class Source(models.TextChoices):
        COUNTS = "counts", _("Rolled up from counts")
        IMPORT = "import", _("Imported")
        DEMO = "demo", _("Demo history")

    day = models.DateField(_("day"), unique=True)
    entries = models.PositiveIntegerField(_("visitors (entries)"), default=0)
    exits = models.PositiveIntegerField(_("exits"), default=0)
    peak_in_park = models.PositiveIntegerField(_("peak in the park"), default=0)
    booked = models.PositiveIntegerField(
        _("booked the day before"),
        null=True,
        blank=True,
        help_text=_("Admissions booked by the end of the day before."),
    )
    closed = models.BooleanField(_("closed"), default=False)
    capped = models.BooleanField(
        _("capped"), default=False, help_text=_("Sales stopped at capacity: demand was higher than the count.")
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.COUNTS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily visitors")
        verbose_name_plural = _("daily visitors")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.entries}"
