"""The scan log (append-only), presence per ticket and place, corrections, offline uploads and conflicts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scenic_ops.core.models import AuditedModel


class Direction(models.TextChoices):
    IN = "in", _("Entry")
    OUT = "out", _("Exit")


class Method(models.TextChoices):
    QR = "qr", _("QR code")
    ID_CARD = "id_card", _("ID card")
    SSC = "ssc", _("Social security card")
    FACE = "face", _("Face")
    MANUAL = "manual", _("By staff")


class Outcome(models.TextChoices):
    ADMITTED = "admitted", _("Admitted")
    READMITTED = "readmitted", _("Admitted again (re-entry)")
    EXITED = "exited", _("Exit")
    DENIED = "denied", _("Refused")
    DUPLICATE = "duplicate", _("Duplicate (offline)")


PASSED = (Outcome.ADMITTED, Outcome.READMITTED, Outcome.EXITED)


def _soft(model: str, *, indexed: bool = True, **kwargs: Any) -> models.ForeignKey:
    """A reference without a database constraint: the log must never wait on (or block) another table."""
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=indexed,
        related_name="+",
        **kwargs,
    )


class Scan(models.Model):
    """Every scan, admitted or not, appended and never edited (a database trigger refuses UPDATE).

    Scans refused before any database work (forged or malformed tokens, a ticket for another
    day…) reach the log through a Redis buffer a job flushes every few seconds (`log_key`);
    the flush fills in the ticket behind a verified code, so a ticket's history is complete.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    received_at = models.DateTimeField(_("received"))
    device = _soft("access.GateDevice", indexed=False, verbose_name=_("device"))
    lane = _soft("access.Lane", indexed=False, verbose_name=_("lane"))
    gate = _soft("access.Gate", indexed=False, verbose_name=_("gate"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    method = models.CharField(_("credential"), max_length=8, choices=Method.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=24)
    ticket = _soft("ticketing.Ticket", indexed=False, verbose_name=_("ticket"))
    ticket_code = models.CharField(_("ticket code"), max_length=16, blank=True)
    product = _soft("ticketing.Product", indexed=False, verbose_name=_("product"))
    category = _soft("ticketing.PriceCategory", indexed=False, verbose_name=_("category"))
    channel = models.CharField(_("channel"), max_length=8, blank=True)
    zone_key = models.PositiveIntegerField(_("place counted"), default=0)
    counted = models.BooleanField(_("counted"), default=False)
    offline = models.BooleanField(_("offline"), default=False)
    upload = _soft("access.OfflineUpload", verbose_name=_("offline upload"))
    device_scan_id = models.CharField(_("device's scan id"), max_length=64, null=True, blank=True)
    log_key = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)
    detail = models.CharField(_("detail"), max_length=160, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scan log")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "device_scan_id"], name="access_scan_device_once"),
        ]
        indexes = [
            models.Index(fields=["lane", "id"], name="access_scan_lane"),
            models.Index(fields=["ticket", "id"], name="access_scan_ticket"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_outcome_display()} {self.ticket_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the scan log is append-only; post a correction instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        raise PermissionError("the scan log is append-only; post a correction instead")

    @property
    def passed(self) -> bool:
        return self.outcome in PASSED


class Presence(models.Model):
    """Whether a ticket's holder is inside a place (the site or a zone): re-entry and anti-passback.

    No row after a first entry means "inside": the hot path does not write here; the first
    exit, a re-entry or a zone passage creates the row.
    """

    ticket = _soft("ticketing.Ticket", indexed=False, verbose_name=_("ticket"))
    zone_key = models.PositiveIntegerField(_("place"), default=0)
    day = models.DateField(_("day"))
    inside = models.BooleanField(_("inside"), default=True)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    exits = models.PositiveIntegerField(_("exits"), default=0)
    reentries = models.PositiveIntegerField(_("re-entries"), default=0)
    last_in_at = models.DateTimeField(_("last entry"), null=True, blank=True)
    last_out_at = models.DateTimeField(_("last exit"), null=True, blank=True)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presence")
        constraints = [models.UniqueConstraint(fields=["ticket", "zone_key"], name="access_presence_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id}@{self.zone_key}: {'in' if self.inside else 'out'}"


class ScanCorrection(AuditedModel):
    """An operator's correction of the log's counts, with a reason (the log itself is never edited)."""

    class Kind(models.TextChoices):
        MANUAL_ENTRY = "manual_entry", _("Let in by hand (count an entry)")
        MANUAL_EXIT = "manual_exit", _("Let out by hand (count an exit)")
        VOID = "void", _("Void a scan that did not pass (take its count back)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    gate = models.ForeignKey("access.Gate", verbose_name=_("gate"), on_delete=models.PROTECT, related_name="+")
    scan = models.OneToOneField(
        Scan,
        verbose_name=_("scan voided"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="correction",
    )
    ticket = _soft("ticketing.Ticket", verbose_name=_("ticket"))
    at = models.DateTimeField(_("passage time"))
    reason = models.CharField(_("reason"), max_length=200)
    entries = models.IntegerField(_("entries counted"), default=0)
    exits = models.IntegerField(_("exits counted"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("count correction")
        verbose_name_plural = _("count corrections")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.reason}"


class OfflineUpload(models.Model):
    """One batch of offline scans a gate uploaded, with the report it was answered."""

    device = models.ForeignKey(
        "access.GateDevice", verbose_name=_("device"), on_delete=models.PROTECT, related_name="uploads"
    )
    batch = models.CharField(_("batch id"), max_length=64)
    received_at = models.DateTimeField(_("received"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    applied = models.PositiveIntegerField(pgettext_lazy("upload rows", "applied"), default=0)
    admitted = models.PositiveIntegerField(_("admissions"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates flagged"), default=0)
    rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    report = models.JSONField(_("report"), default=dict)

    class Meta:
        verbose_name = _("offline upload")
        verbose_name_plural = _("offline uploads")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["device", "batch"], name="access_upload_once")]

    def __str__(self) -> str:
        return f"{self.device} {self.batch}"


class Conflict(AuditedModel):
    """Something staff must look at: an offline duplicate admission, or a ticket let in offline that was no longer valid."""

    class Kind(models.TextChoices):
        DUPLICATE = "duplicate", _("Same ticket admitted twice")
        INVALID = "invalid", _("Admitted offline, but not valid")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("conflict", "Open")
        CONFIRMED = "confirmed", _("Checked: a second person entered")
        DISMISSED = "dismissed", _("Checked: the same person (no action)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    scan = models.ForeignKey(
        Scan, verbose_name=_("flagged scan"), on_delete=models.PROTECT, db_constraint=False, related_name="+"
    )
    first_scan = models.ForeignKey(
        Scan,
        verbose_name=_("first admission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    ticket = _soft("ticketing.Ticket", verbose_name=_("ticket"))
    upload = models.ForeignKey(
        OfflineUpload, verbose_name=_("offline upload"), null=True, blank=True, on_delete=models.PROTECT
    )
    reason = models.CharField(_("reason"), max_length=24, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("offline conflict")
        verbose_name_plural = _("offline conflicts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scan.ticket_code}"
