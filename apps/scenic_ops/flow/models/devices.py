"""Counting devices (people counters, video analytics, parking barriers and sensors, queue sensors)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class CountingDevice(AuditedModel):
    class Kind(models.TextChoices):
        PEOPLE_COUNTER = "people", _("People counter")
        VIDEO = "video", _("Video analytics")
        PARKING_BARRIER = "barrier", _("Car park barrier")
        PARKING_SENSOR = "parking", _("Car park space sensor")
        QUEUE_SENSOR = "queue", _("Queue sensor")

    audit_ignored = (
        "updated_at",
        "last_seen_at",
        "last_reading_at",
        "accepted_count",
        "rejected_count",
        "last_error",
        "last_error_at",
    )

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    zone = models.ForeignKey(
        "core.Zone",
        verbose_name=_("counts for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("The key spot or car park whose entries and exits it counts; empty: the whole site."),
    )
    queue = models.ForeignKey(
        "flow.WaitQueue", verbose_name=_("queue"), null=True, blank=True, on_delete=models.PROTECT
    )
    api_key = models.OneToOneField(
        "core.ApiKey", verbose_name=_("API key"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interval_seconds = models.PositiveIntegerField(_("reports every (seconds)"), default=60)
    active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last push"), null=True, blank=True)
    last_reading_at = models.DateTimeField(_("newest reading (device time)"), null=True, blank=True)
    accepted_count = models.PositiveIntegerField(_("readings accepted"), default=0)
    rejected_count = models.PositiveIntegerField(_("pushes rejected"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("counting device")
        verbose_name_plural = _("counting devices")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_stale(self, now=None) -> bool:
        """Silent for more than three reporting intervals (and at least five minutes)."""
        if not self.active:
            return False
        if self.last_seen_at is None:
            return True
        now = now or timezone.now()
        return now - self.last_seen_at > timedelta(seconds=max(300, 3 * self.interval_seconds))


class DeviceReading(models.Model):
    """What a device pushed for one interval (or one moment), keyed by the device's own time.

    The same interval pushed again is a duplicate (ignored) or a correction (the difference is applied).
    """

    device = models.ForeignKey(CountingDevice, on_delete=models.CASCADE, related_name="readings")
    start = models.DateTimeField(_("device time"))
    seconds = models.PositiveIntegerField(_("interval (seconds)"), default=0)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    exits = models.PositiveIntegerField(_("exits"), default=0)
    free = models.PositiveIntegerField(_("free spaces"), null=True, blank=True)
    length = models.PositiveIntegerField(_("queue length"), null=True, blank=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("device reading")
        verbose_name_plural = _("device readings")
        ordering = ["-start"]
        constraints = [models.UniqueConstraint(fields=["device", "start"], name="flow_reading_unique")]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.device_id} {self.start:%Y-%m-%d %H:%M:%S}"
