"""The asset and device registry: what the scenic area owns, where it is, and its papers."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


def new_qr_token() -> str:
    return secrets.token_urlsafe(9)


def asset_upload_to(instance, filename: str) -> str:
    return f"operations/assets/{instance.asset_id}/{filename}"


def certificate_upload_to(instance, filename: str) -> str:
    return f"operations/certificates/{instance.asset_id}/{filename}"


class AssetCategory(AuditedModel):
    class Kind(models.TextChoices):
        GATE = "gate", _("Gate")
        CAMERA = "camera", _("Camera")
        COUNTER = "counter", _("Counter")
        SENSOR = "sensor", _("Sensor")
        CABLEWAY = "cableway", _("Cableway")
        CABIN = "cabin", _("Cableway cabin")
        ELEVATOR = "elevator", _("Elevator")
        BOAT = "boat", _("Boat")
        RIDE = "ride", _("Ride")
        VEHICLE = "vehicle", _("Vehicle")
        TOILET = "toilet", _("Toilet")
        LAMP = "lamp", _("Lamp")
        NETWORK = "network", _("Network")
        POWER = "power", _("Power")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    skill = models.CharField(
        _("repair skill"), max_length=40, blank=True, help_text=_("Skill a repair usually needs, e.g. electrical.")
    )
    special_equipment = models.BooleanField(
        _("special equipment"),
        default=False,
        help_text=_("Cableways, elevators, boats and rides: equipment under special-equipment safety law."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("asset category")
        verbose_name_plural = _("asset categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class Asset(AuditedModel):
    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        OUT_OF_ORDER = "out_of_order", _("Out of order")
        IN_MAINTENANCE = "in_maintenance", _("In maintenance")
        RETIRED = "retired", _("Retired")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.ForeignKey(
        AssetCategory, verbose_name=_("asset category"), on_delete=models.PROTECT, related_name="assets"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("E.g. a cabin is part of its cableway."),
    )
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    model_no = models.CharField(_("model number"), max_length=60, blank=True)
    serial_no = models.CharField(_("serial number"), max_length=60, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    purchase_cost = models.DecimalField(
        _("purchase cost (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    special_equipment = models.BooleanField(_("special equipment"), default=False)
    registration_no = models.CharField(
        _("registration number"),
        max_length=60,
        blank=True,
        help_text=_("The registration certificate number of special equipment."),
    )
    qr_token = models.CharField(_("QR label code"), max_length=24, unique=True, default=new_qr_token, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["code"]
        indexes = [models.Index(fields=["category", "status"])]

    def __str__(self) -> str:
        name = self.name_en if get_language() == "en" and self.name_en else self.name
        return f"{name} ({self.code})"

    @property
    def display_name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name

    def position(self) -> tuple[float, float] | None:
        """Where it is on the map: its own coordinates, else its zone's, else its parent's."""
        if self.latitude is not None and self.longitude is not None:
            return float(self.latitude), float(self.longitude)
        if self.zone_id and self.zone.latitude is not None and self.zone.longitude is not None:
            return float(self.zone.latitude), float(self.zone.longitude)
        if self.parent_id:
            return self.parent.position()
        return None


class Certificate(AuditedModel):
    """The periodic inspection certificate of special equipment (定期检验合格证) and its expiry.

    Registered with the workflow engine (no workflow attached) so that notification rules
    of the kind "N days before expires_on" remind people.
    """

    # The platform's audit diff cannot serialise file values yet: the file's name is left out.
    audit_ignored = ("updated_at", "file")

    class State(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="certificates")
    number = models.CharField(_("certificate number"), max_length=60)
    issued_by = models.CharField(_("inspection body"), max_length=100, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), db_index=True)
    file = models.FileField(
        pgettext_lazy("document scan", "scan"), upload_to=certificate_upload_to, blank=True, max_length=200
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.VALID, editable=False)
    asset_name = models.CharField(_("asset name"), max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection certificate")
        verbose_name_plural = _("inspection certificates")
        ordering = ["-expires_on"]

    def __str__(self) -> str:
        return f"{self.asset_name or self.asset_id} {self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.asset_id and not self.asset_name:
            self.asset_name = str(self.asset)[:120]  # shown in reminders without a join
        super().save(*args, **kwargs)


class AssetDocument(AuditedModel):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        MANUAL = "manual", _("Manual")
        DRAWING = "drawing", _("Drawing")
        CONTRACT = "contract", _("Contract or warranty")
        OTHER = "other", _("Other")

    audit_ignored = ("file",)  # the platform's audit diff cannot serialise file values yet

    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    title = models.CharField(_("title"), max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to=asset_upload_to, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("asset document")
        verbose_name_plural = _("asset documents and photos")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title or self.file.name.rsplit("/", 1)[-1]
