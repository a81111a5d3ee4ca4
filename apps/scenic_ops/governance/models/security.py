"""Security risk reviews (等保2.0): the control library, review cycles with one result per control,
findings that go through remediation on the workflow (`governance.riskreview`) to the security
auditor's sign-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Layer(models.TextChoices):
    PHYSICAL = "physical", _("Physical environment")
    NETWORK = "network", _("Communication network")
    BOUNDARY = "boundary", _("Area boundary")
    COMPUTING = "computing", _("Computing environment")
    CENTRE = "centre", _("Management centre")
    POLICY = "policy", _("Management policy")
    ORGANISATION = "organisation", _("Management organisation")
    PERSONNEL = "personnel", _("Management personnel")
    CONSTRUCTION = "construction", _("Construction management")
    OPERATIONS = "operations", _("Operations management")


class Control(models.Model):
    """One requirement of the control library (governance/controls/*.yaml, loaded by a data patch)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    standard = models.CharField(_("standard"), max_length=40)
    level = models.PositiveSmallIntegerField(_("protection level"), default=3)
    layer = models.CharField(_("layer"), max_length=14, choices=Layer.choices)
    title = models.CharField(_("title"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    requirement = models.TextField(_("requirement"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("security control")
        verbose_name_plural = _("security controls")
        ordering = ["code"]

    def __str__(self) -> str:
        title = self.title_en if get_language() == "en" and self.title_en else self.title
        return f"{self.code} {title}"


class ReviewCycle(AuditedModel):
    """One security review (e.g. the yearly self-assessment before the 等级测评)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Under review")
        SIGNED_OFF = "signed_off", _("Signed off")

    name = models.CharField(_("name"), max_length=80)
    level = models.PositiveSmallIntegerField(_("protection level"), default=3)
    starts_on = models.DateField(_("starts"))
    due_on = models.DateField(_("due"))
    scope = models.TextField(_("scope"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True, editable=False)
    sign_off_note = models.TextField(_("auditor's note"), blank=True, editable=False)

    class Meta:
        verbose_name = _("security review")
        verbose_name_plural = _("security reviews")
        ordering = ["-starts_on"]
        permissions = [("sign_off_reviewcycle", "Can sign off a security review")]

    def __str__(self) -> str:
        return self.name


class ControlResult(models.Model):
    class Result(models.TextChoices):
        PENDING = "pending", _("Not yet checked")
        COMPLIANT = "compliant", _("Compliant")
        PARTLY = "partly", _("Partly compliant")
        NOT = "not", _("Not compliant")
        NA = "na", _("Not applicable")

    cycle = models.ForeignKey(ReviewCycle, verbose_name=_("review"), on_delete=models.CASCADE, related_name="results")
    control = models.ForeignKey(Control, verbose_name=_("control"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.PENDING)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_date = models.DateField(_("evidence dated"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("control result")
        verbose_name_plural = _("control results")
        ordering = ["control__code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "control"], name="governance_result_once")]

    def __str__(self) -> str:
        return f"{self.control.code}: {self.get_result_display()}"


class RiskReview(AuditedModel):
    """A finding (风险) with its remediation: committee review, remediation by its owner, closed only by
    the security auditor (fixtures/workflows/security_risk_review.toml)."""

    class Level(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    title = models.CharField(_("title"), max_length=120)
    risk_level = models.CharField(_("severity"), max_length=6, choices=Level.choices, default=Level.MEDIUM)
    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("review"), null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    control = models.ForeignKey(
        Control, verbose_name=_("control"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    remediation = models.TextField(_("remediation plan"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("remediation owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_due = models.DateField(_("remediate by"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT
    )
    state = models.CharField(_("state"), max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("security finding")
        verbose_name_plural = _("security findings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class RiskAcceptance(models.Model):
    """A finding the organisation decides to live with for a while (风险接受): approved by someone other
    than who asked, and only until it expires; then the finding is open again."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Accepted")
        REJECTED = "rejected", _("Refused")
        EXPIRED = "expired", _("Expired")

    finding = models.ForeignKey(
        RiskReview, verbose_name=_("security finding"), on_delete=models.CASCADE, related_name="acceptances"
    )
    reason = models.TextField(_("why the risk is accepted"))
    expires_on = models.DateField(_("accepted until"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk acceptance")
        verbose_name_plural = _("risk acceptances")
        ordering = ["-created_at"]
        permissions = [("decide_riskacceptance", "Can approve or refuse a risk acceptance")]

    def __str__(self) -> str:
        return f"{self.finding} → {self.expires_on}"
