"""The scenic area this site runs: its profile and its geography."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import AuditedModel


class SiteProfile(AuditedModel):
    """One row: the scenic area's identity and the inputs of its capacity (LB/T 034-2014)."""

    name = models.CharField(_("scenic area name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    grade = models.CharField(_("quality grade"), max_length=4, default="5A")
    operator = models.CharField(_("operator"), max_length=150, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    province = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    opening_time = models.TimeField(_("opening time"), default="08:00")
    closing_time = models.TimeField(_("closing time"), default="17:30")
    max_instant_capacity = models.PositiveIntegerField(
        _("approved instantaneous capacity"), default=0, help_text=_("Persons in the area at one time.")
    )
    max_daily_capacity = models.PositiveIntegerField(_("approved daily capacity"), default=0)
    mean_visit_hours = models.DecimalField(
        _("mean visit duration (hours)"), max_digits=4, decimal_places=1, default=Decimal("4.0")
    )
    open_ratio_percent = models.PositiveSmallIntegerField(
        _("open ratio (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of the daily capacity opened for sale (e.g. 75 at peak times)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site profile")
        verbose_name_plural = _("site profile")

    def __str__(self) -> str:
        return self.name

    @property
    def open_daily_capacity(self) -> int:
        return self.max_daily_capacity * self.open_ratio_percent // 100


class Zone(AuditedModel):
    """A place in the scenic area: an area, a key spot, an entrance, a station or a car park."""

    class Kind(models.TextChoices):
        AREA = "area", _("Area")
        SPOT = "spot", _("Key spot")
        ENTRANCE = "entrance", _("Entrance")
        STATION = "station", _("Station")
        PARKING = "parking", _("Car park")
        SERVICE = "service", _("Service point")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SPOT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area_m2 = models.PositiveIntegerField(_("visitable area (m²)"), default=0)
    space_per_person_m2 = models.DecimalField(
        _("space per visitor (m²)"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    instant_capacity = models.PositiveIntegerField(_("instantaneous capacity"), default=0)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def spatial_capacity(self) -> int:
        """Instantaneous spatial capacity X/Y (LB/T 034-2014), 0 when inputs are missing."""
        if not self.area_m2 or not self.space_per_person_m2:
            return 0
        return int(Decimal(self.area_m2) / self.space_per_person_m2)
