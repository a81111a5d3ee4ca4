"""Training (培训): programmes, sessions with QR sign-in, results, certificates that expire, and the
mandatory-training matrix (which roles must hold which programme's certificate)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    class Kind(models.TextChoices):
        SAFETY = "safety", _("Safety")
        SPECIAL_EQUIPMENT = "equipment", _("Special-equipment operation")
        SECURITY = "security", _("Security guard")
        SERVICE = "service", _("Visitor service")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SAFETY)
    validity_months = models.PositiveSmallIntegerField(
        _("certificate valid (months)"), default=12, help_text=_("0: the certificate does not expire.")
    )
    mandatory_for = models.ManyToManyField(
        "core.Role",
        verbose_name=_("mandatory for"),
        blank=True,
        related_name="+",
        help_text=_("Everyone holding one of these roles must hold a valid certificate of this programme."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class Session(models.Model):
    """One class of a programme; people sign in by scanning its QR code with their phone."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=80, blank=True)
    trainer = models.CharField(_("trainer"), max_length=60, blank=True)
    sign_in_code = models.CharField(max_length=24, unique=True, editable=False)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.programme} {self.starts_at:%Y-%m-%d}"


class Enrolment(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", _("Not yet assessed")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices, default=Result.PENDING)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="governance_enrolment_once")]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"


class TrainingCertificate(models.Model):
    """A person's certificate of a programme. Reminders at 90, 30 and 7 days before it expires are
    notification rules (fixtures/workflows/training_certificate.toml) run by the date-reminder job."""

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    enrolment = models.OneToOneField(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="certificate", editable=False
    )
    state = models.CharField(_("state"), max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")
        ordering = ["expires_on"]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.programme} · {self.number}"


class TrainingCompliance(Programme):
    """The desk's mandatory-training compliance report (a page, no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("training compliance")
        verbose_name_plural = _("training compliance")
