"""Smart-tourism projects (智慧旅游项目): plan → build → accept → operate → upgrade, with investment,
milestones, acceptance documents, awards and funding received (the annex 2 form reads these)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Project(AuditedModel):
    class Phase(models.TextChoices):
        PLAN = "plan", _("Planned")
        BUILD = "build", _("Being built")
        ACCEPT = "accept", _("Acceptance")
        OPERATE = "operate", _("In operation")
        UPGRADE = "upgrade", _("Being upgraded")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.PLAN)
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL
    )
    investment = models.DecimalField(_("planned investment (CNY)"), max_digits=14, decimal_places=2, default=0)
    completed_amount = models.DecimalField(_("completed (CNY)"), max_digits=14, decimal_places=2, default=0)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("smart-tourism project")
        verbose_name_plural = _("smart-tourism projects")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(investment__gte=0, completed_amount__gte=0), name="governance_project_amounts"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=120)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on"]

    def __str__(self) -> str:
        return self.title


class ProjectDocument(models.Model):
    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("Acceptance report")
        CONTRACT = "contract", _("Contract")
        ASSESSMENT = "assessment", _("Security assessment")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ACCEPTANCE)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="governance/projects/%Y/")
    dated = models.DateField(_("dated"))

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["-dated"]

    def __str__(self) -> str:
        return self.title


class Award(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="awards")
    name = models.CharField(_("award"), max_length=120)
    level = models.CharField(_("level"), max_length=40, blank=True, help_text=_("e.g. national, provincial"))
    issuer = models.CharField(_("issued by"), max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.name


class Funding(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("source"), max_length=120, help_text=_("e.g. provincial tourism development fund"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    received_on = models.DateField(_("received"))

    class Meta:
        verbose_name = _("funding received")
        verbose_name_plural = _("funding received")
        ordering = ["-received_on"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="governance_funding_positive")]

    def __str__(self) -> str:
        return f"{self.source} {self.amount}"
