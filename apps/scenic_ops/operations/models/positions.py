"""Where staff, vehicles and boats are; the park map they are drawn on; dispatch calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


def map_upload_to(instance, filename: str) -> str:
    return f"operations/maps/{filename}"


class Tracker(AuditedModel):
    """Something that reports positions: a crew member's phone or badge, a vehicle's or boat's GPS."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Crew phone")
        BADGE = "badge", _("Staff badge")
        VEHICLE = "vehicle", _("Vehicle GPS")
        BOAT = "boat", _("Boat GPS")

    audit_ignored = ("updated_at", "last_at", "last_latitude", "last_longitude", "last_accuracy_m", "on_duty")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="trackers",
    )
    asset = models.ForeignKey(
        "operations.Asset",
        verbose_name=_("vehicle or boat"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="trackers",
    )
    api_key = models.OneToOneField(
        "core.ApiKey", verbose_name=_("API key"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    on_duty = models.BooleanField(_("on duty"), default=True, help_text=_("Set from the crew app."))
    last_at = models.DateTimeField(_("last position at"), null=True, blank=True, editable=False)
    last_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, editable=False)
    last_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, editable=False)
    last_accuracy_m = models.PositiveIntegerField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tracker")
        verbose_name_plural = _("trackers")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class PositionFix(models.Model):
    tracker = models.ForeignKey(Tracker, verbose_name=_("tracker"), on_delete=models.CASCADE, related_name="fixes")
    at = models.DateTimeField(_("time (tracker)"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    speed_kmh = models.DecimalField(_("speed (km/h)"), max_digits=6, decimal_places=1, null=True, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tracker", "at"], name="ops_position_once")]

    def __str__(self) -> str:
        return f"{self.tracker_id} {self.at:%H:%M:%S}"


class DispatchCall(AuditedModel):
    """A dispatcher calls a crew member to a repair ticket or an alarm; the answer is recorded."""

    class State(models.TextChoices):
        CALLING = "calling", _("Calling")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer")

    ticket = models.ForeignKey(
        "operations.RepairTicket",
        verbose_name=_("repair ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calls",
    )
    alarm = models.ForeignKey(
        "operations.Alarm",
        verbose_name=_("alarm"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calls",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called"), on_delete=models.CASCADE, related_name="dispatch_calls"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    called_at = models.DateTimeField(_("called"))
    expires_at = models.DateTimeField(_("answer by"))
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CALLING, db_index=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("dispatch call")
        verbose_name_plural = _("dispatch calls")
        ordering = ["-called_at", "-id"]

    def __str__(self) -> str:
        subject = self.ticket or self.alarm
        return f"{self.user} → {subject}"


class ParkMap(AuditedModel):
    """The park's own map picture and the coordinates of its corners (no external tile servers)."""

    audit_ignored = ("updated_at", "image")  # the platform's audit diff cannot serialise file values yet

    name = models.CharField(_("name"), max_length=60)
    image = models.FileField(_("map picture"), upload_to=map_upload_to, max_length=200)
    south = models.DecimalField(_("south edge (latitude)"), max_digits=9, decimal_places=6)
    west = models.DecimalField(_("west edge (longitude)"), max_digits=9, decimal_places=6)
    north = models.DecimalField(_("north edge (latitude)"), max_digits=9, decimal_places=6)
    east = models.DecimalField(_("east edge (longitude)"), max_digits=9, decimal_places=6)
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("park map")
        verbose_name_plural = _("park maps")
        ordering = ["-active", "name"]

    def __str__(self) -> str:
        return self.name
