"""Complaints, suggestions and praise from visitors, by every channel, moved by the workflow engine."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel

SUBJECT_MAX = 120
TEXT_MAX = 2000


class ComplaintCategory(AuditedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class Complaint(AuditedModel):
    """One complaint or suggestion. Visitors find it again by their phone number and its code."""

    audit_masked = ("name_enc", "phone_enc", "phone_index", "email_enc")

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        PRAISE = "praise", _("Praise")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Visitor portal")
        HOTLINE = "hotline", _("Service hotline")
        GOV_12345 = "12345", _("12345 government hotline")
        NATIONAL_12301 = "12301", _("12301 tourism platform (transferred)")
        COUNTER = "counter", _("Service counter")
        OTA_REVIEW = "ota_review", _("OTA review")
        OPINION = "opinion", _("Public opinion")
        EMAIL = "email", _("E-mail or letter")

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        NORMAL = "normal", _("Normal")
        SERIOUS = "serious", _("Serious")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.PORTAL)
    external_ref = models.CharField(
        _("external reference"), max_length=60, blank=True, help_text=_("The 12345/12301 work-order number.")
    )
    category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=pgettext_lazy("complaint", "category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    state = models.CharField(_("state"), max_length=40, blank=True, db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_handled",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_ref = models.CharField(_("order"), max_length=40, blank=True, help_text=_("Order number or id."))
    ticket_ref = models.CharField(_("ticket"), max_length=40, blank=True, help_text=_("Ticket number or id."))
    asset_ref = models.CharField(_("asset"), max_length=40, blank=True, help_text=_("Asset code or id."))
    visit_date = models.DateField(_("visit date"), null=True, blank=True)
    name_enc = models.BinaryField(null=True, blank=True, editable=False)
    name_masked = models.CharField(_("visitor"), max_length=40, blank=True, editable=False)
    phone_enc = models.BinaryField(null=True, blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    email_enc = models.BinaryField(null=True, blank=True, editable=False)
    email_masked = models.CharField(_("e-mail"), max_length=80, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Staff who took it down (hotline, counter); empty when the visitor filed it."),
    )
    received_at = models.DateTimeField(_("received"), db_index=True)
    reply_draft = models.TextField(_("reply awaiting review"), blank=True, editable=False)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True, editable=False)
    rating = models.PositiveSmallIntegerField(_("visitor rating"), null=True, blank=True, editable=False)
    rating_comment = models.CharField(_("rating comment"), max_length=300, blank=True, editable=False)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True, editable=False)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0, editable=False)
    closed_at = models.DateTimeField(pgettext_lazy("time", "closed"), null=True, blank=True, editable=False)
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["category", "received_at"]), models.Index(fields=["zone", "received_at"])]
        permissions = [("reply_complaint", _("Can reply to visitors"))]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(_("photo"), upload_to="service/complaints/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")

    def __str__(self) -> str:
        return f"{self.complaint.code} · {self.file.name.rsplit('/', 1)[-1]}"


class ComplaintReply(models.Model):
    """What the visitor was told (each reply; a reopened complaint gets another)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(pgettext_lazy("complaint", "reply"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("at"))
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)

    class Meta:
        verbose_name = _("complaint reply")
        verbose_name_plural = _("complaint replies")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:60]
