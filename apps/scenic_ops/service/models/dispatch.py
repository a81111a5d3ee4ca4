"""Resource dispatch: pools of crews and vehicles, dispatch orders, materials with stock, energy meters."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class ResourcePool(AuditedModel):
    """Crews, staff or vehicles that dispatch orders draw on; `units_busy` never exceeds `units_total`."""

    class Kind(models.TextChoices):
        SANITATION = "sanitation", _("Sanitation crew")
        VISITOR_SERVICE = "visitor_service", _("Visitor-service staff")
        SECURITY = "security", _("Security team")
        SHUTTLE = "shuttle", _("Shuttle buses")
        BOAT = "boat", _("Boats")
        MEDICAL = "medical", _("First-aid team")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    units_total = models.PositiveIntegerField(_("units"), default=0, help_text=_("People or vehicles in the pool."))
    units_busy = models.PositiveIntegerField(_("units out"), default=0, editable=False)
    home_zone = models.ForeignKey(
        "core.Zone", verbose_name=_("base"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("resource pool")
        verbose_name_plural = _("resource pools")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(units_busy__lte=models.F("units_total")), name="service_pool_busy_within_total"
            )
        ]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name

    @property
    def units_free(self) -> int:
        return max(0, self.units_total - self.units_busy)


class Material(AuditedModel):
    """A consumable kept in stock (sandbags, rain ponchos, cleaning supplies, drinking water)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    unit = models.CharField(_("unit"), max_length=12, default="件")
    stock = models.DecimalField(_("in stock"), max_digits=12, decimal_places=2, default=Decimal("0"), editable=False)
    low_stock_level = models.DecimalField(_("low-stock level"), max_digits=12, decimal_places=2, default=Decimal("0"))
    store = models.ForeignKey(
        "core.Zone", verbose_name=_("store"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials and stock")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(stock__gte=0), name="service_stock_not_negative")]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class DispatchOrder(AuditedModel):
    """A request to send people, vehicles or material somewhere; moved by the dispatch workflow."""

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        FLOW = "flow", _("Visitor-flow warning level")
        SENSOR = "sensor", _("Sensor threshold")
        INCIDENT = "incident", _("Incident")

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=160)
    pool = models.ForeignKey(
        ResourcePool, verbose_name=_("resource pool"), null=True, blank=True, on_delete=models.PROTECT
    )
    headcount = models.PositiveIntegerField(_("units needed"), default=1)
    material = models.ForeignKey(
        Material, verbose_name=_("material"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    material_quantity = models.DecimalField(
        _("material quantity"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("where"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.STAFF)
    trigger_key = models.CharField(max_length=190, null=True, blank=True, unique=True, editable=False)
    incident = models.ForeignKey(
        "service.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dispatch_orders",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=40, blank=True, db_index=True)
    units_taken = models.PositiveIntegerField(default=0, editable=False)
    material_issued = models.BooleanField(default=False, editable=False)
    requested_at = models.DateTimeField(_("requested"), db_index=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dispatch order")
        verbose_name_plural = _("dispatch orders")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class StockMovement(models.Model):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ISSUE = "issue", _("Issue")
        ADJUST = "adjust", _("Stock-take adjustment")
        RETURN = "return", _("Return")

    material = models.ForeignKey(Material, verbose_name=_("material"), on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, help_text=_("Negative: out."))
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("at"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    dispatch_order = models.ForeignKey(
        DispatchOrder, verbose_name=_("dispatch order"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.material} {self.quantity:+}"


class EnergyMeter(AuditedModel):
    class Kind(models.TextChoices):
        ELECTRICITY = "electricity", _("Electricity")
        WATER = "water", _("Water")
        GAS = "gas", _("Gas")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ELECTRICITY)
    unit = models.CharField(_("unit"), max_length=8, default="kWh")
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    anomaly_percent = models.PositiveSmallIntegerField(
        _("anomaly when a day differs from the usual by (%)"), default=50
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("energy meter")
        verbose_name_plural = _("energy meters")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MeterReading(models.Model):
    """A cumulative meter reading (the register value), pushed by the meter or typed in."""

    meter = models.ForeignKey(EnergyMeter, on_delete=models.CASCADE, related_name="readings")
    at = models.DateTimeField(_("at"))
    value = models.DecimalField(_("register value"), max_digits=14, decimal_places=2)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("meter reading")
        verbose_name_plural = _("meter readings")
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["meter", "at"], name="service_reading_once")]

    def __str__(self) -> str:
        return f"{self.meter} {self.value}"


class EnergyDay(models.Model):
    meter = models.ForeignKey(EnergyMeter, verbose_name=_("meter"), on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    consumption = models.DecimalField(_("consumption"), max_digits=14, decimal_places=2)
    baseline = models.DecimalField(_("usual"), max_digits=14, decimal_places=2, null=True, blank=True)
    anomaly = models.BooleanField(_("anomaly"), default=False)

    class Meta:
        verbose_name = _("daily energy use")
        verbose_name_plural = _("energy use")
        ordering = ["-day", "meter"]
        constraints = [models.UniqueConstraint(fields=["meter", "day"], name="service_energy_day_once")]

    def __str__(self) -> str:
        return f"{self.meter} {self.day}"
