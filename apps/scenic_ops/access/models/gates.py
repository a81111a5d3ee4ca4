"""Gates, their lanes and devices, admission rules per product, and credentials bound to visitors."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel

HEARTBEAT_STALE = timedelta(seconds=90)


class Gate(AuditedModel):
    """An entrance, an exit or an internal gate of a key spot or station: a row of lanes."""

    class Scope(models.TextChoices):
        SITE = "site", _("Scenic area perimeter (moves the in-park count)")
        ZONE = "zone", _("Internal gate of a zone (moves the zone's count)")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    zone = models.ForeignKey(
        "core.Zone",
        verbose_name=_("zone"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The entrance a perimeter gate stands at, or the zone an internal gate leads into."),
    )
    scope = models.CharField(_("counts for"), max_length=6, choices=Scope.choices, default=Scope.SITE)
    anti_passback = models.BooleanField(
        _("anti-passback"),
        default=True,
        help_text=_("Refuse a second entry before an exit, and an exit without an entry."),
    )
    offline_id_cards = models.BooleanField(
        _("ID cards offline"),
        default=True,
        help_text=_("The offline whitelist carries keyed hashes of ID numbers so ID cards work without network."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone_key(self) -> int:
        """0 for the whole site (perimeter gates), else the zone's id: where passages are counted."""
        return 0 if self.scope == self.Scope.SITE else self.zone_id


class Lane(AuditedModel):
    """One passage of a gate with its reader: a direction and the products it accepts."""

    class Direction(models.TextChoices):
        IN = "in", _("Entry")
        OUT = "out", _("Exit")
        BOTH = "both", _("Entry and exit")

    gate = models.ForeignKey(Gate, verbose_name=_("gate"), on_delete=models.CASCADE, related_name="lanes")
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices, default=Direction.IN)
    products = models.ManyToManyField(
        "ticketing.Product",
        verbose_name=_("accepted products"),
        blank=True,
        related_name="+",
        help_text=_(
            "Empty: a perimeter gate accepts every admission product, an internal gate the products of its zone. "
            "Bundles are accepted where one of their parts is."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lane")
        verbose_name_plural = _("lanes")
        ordering = ["gate__sort_order", "sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.gate.name} · {self.name}"


class GateDevice(AuditedModel):
    """The reader and controller of one lane; it calls the API with its own device key."""

    audit_ignored = ("updated_at", "last_heartbeat_at", "clock_offset_ms", "whitelist_version", "offline_queue")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    lane = models.ForeignKey(Lane, verbose_name=_("lane"), on_delete=models.PROTECT, related_name="devices")
    api_key = models.OneToOneField(
        "core.ApiKey",
        verbose_name=_("device key"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="gate_device",
    )
    vendor = models.CharField(_("vendor"), max_length=40, blank=True)
    model = models.CharField(_("model"), max_length=40, blank=True)
    serial = models.CharField(_("serial number"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True, editable=False)
    clock_offset_ms = models.IntegerField(
        _("clock offset (ms)"), null=True, blank=True, editable=False, help_text=_("Gate clock minus server clock.")
    )
    whitelist_version = models.BigIntegerField(_("whitelist version"), null=True, blank=True, editable=False)
    offline_queue = models.PositiveIntegerField(_("offline scans waiting"), default=0, editable=False)
    firmware = models.CharField(_("firmware"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gate device")
        verbose_name_plural = _("gate devices")
        ordering = ["lane__gate__sort_order", "lane__sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def is_online(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.active and self.last_heartbeat_at and now - self.last_heartbeat_at <= HEARTBEAT_STALE)


class AdmissionRule(AuditedModel):
    """When and how often a product's ticket opens a gate: the slot window and re-entry."""

    class Reentry(models.TextChoices):
        NONE = "none", _("No re-entry")
        SAME_DAY = "same_day", _("Re-entry the same day, any number of times")
        TIMES = "times", _("Re-entry the same day, a limited number of times")

    class Until(models.TextChoices):
        CLOSING = "closing", _("Until the site closes")
        SLOT_END = "slot_end", _("Until the end of the time slot")

    product = models.OneToOneField(
        "ticketing.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="admission_rule"
    )
    early_minutes = models.PositiveSmallIntegerField(
        _("admit from (minutes before the slot)"), default=30, help_text=_("Grace before the time slot starts.")
    )
    until = models.CharField(_("admit until"), max_length=8, choices=Until.choices, default=Until.CLOSING)
    late_minutes = models.PositiveSmallIntegerField(
        _("grace after (minutes)"), default=0, help_text=_("Added to the end of the slot or to the closing time.")
    )
    reentry = models.CharField(_("re-entry"), max_length=8, choices=Reentry.choices, default=Reentry.NONE)
    reentry_times = models.PositiveSmallIntegerField(_("re-entries allowed"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("admission rule")
        verbose_name_plural = _("admission rules")
        ordering = ["product__sort_order"]

    def __str__(self) -> str:
        return str(self.product)


class CredentialBinding(AuditedModel):
    """A social-security card or a face-match id bound to a real-name visitor (never a face image).

    The vendor's face system keeps the face template on the device; we keep only the id its
    match returns, encrypted and as a blind index, linked to the visitor's ID blind index.
    """

    class Kind(models.TextChoices):
        FACE = "face", _("Face match id")
        SSC = "ssc", _("Social security card")

    class Source(models.TextChoices):
        BOOKING = "booking", _("At booking")
        GATE = "gate", _("At first entry")
        DESK = "desk", _("In the desk")

    audit_masked = ("value_enc", "value_index", "id_index")

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    vendor = models.CharField(_("vendor"), max_length=40, blank=True)
    value_enc = models.BinaryField(null=True, editable=False)
    value_index = models.CharField(max_length=64, editable=False)
    value_masked = models.CharField(_("credential"), max_length=60, blank=True)
    id_index = models.CharField(max_length=64, editable=False, db_index=True)
    id_masked = models.CharField(_("ID number"), max_length=40, blank=True)
    source = models.CharField(_("bound"), max_length=8, choices=Source.choices, default=Source.GATE)
    consent_at = models.DateTimeField(_("separate consent given"))
    expires_at = models.DateTimeField(_("deleted after"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("bound credential")
        verbose_name_plural = _("bound credentials")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "value_index"], name="access_binding_unique")]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value_masked}"
