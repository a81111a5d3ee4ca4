"""Budgets (预算) and their ledger: what each approved document committed or spent against a line."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel
from scenic_ops.core.spending import Category


class Budget(AuditedModel):
    """One budget line: a year × department × category, approved on the workflow (`governance.budget`).

    Only an approved line counts. Every approved document that spends money on the line moves
    `committed` (ordered, not yet paid) or `actual` (spent) under the line's row lock, so two
    approvals can never both take the last of it (`services.budgets.charge`).
    """

    class Control(models.TextChoices):
        STOP = "stop", _("Stop: refuse what exceeds the line")
        WARN = "warn", _("Warn: let it pass, flagged")

    title = models.CharField(_("title"), max_length=120)
    fiscal_year = models.PositiveSmallIntegerField(_("year"))
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    amount = models.DecimalField(_("budget (CNY)"), max_digits=12, decimal_places=2)
    control = models.CharField(_("over-budget rule"), max_length=4, choices=Control.choices, default=Control.STOP)
    monthly = models.JSONField(
        _("monthly distribution (%)"),
        default=list,
        blank=True,
        help_text=_("Twelve shares of the year in per cent, January first; empty: evenly."),
    )
    committed = models.DecimalField(_("committed (CNY)"), max_digits=12, decimal_places=2, default=0, editable=False)
    actual = models.DecimalField(_("spent (CNY)"), max_digits=12, decimal_places=2, default=0, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["-fiscal_year", "department", "category"]
        indexes = [models.Index(fields=["fiscal_year", "department", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(committed__gte=0, actual__gte=0), name="governance_budget_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.title}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed - self.actual

    def share_to(self, month: int) -> Decimal:
        """The budget for January up to `month` (1–12), from the monthly distribution."""
        shares = [Decimal(str(s)) for s in self.monthly] if len(self.monthly) == 12 else [Decimal(100) / 12] * 12
        return (self.amount * sum(shares[:month], Decimal(0)) / 100).quantize(Decimal("0.01"))


class BudgetEntry(models.Model):
    """One approved document's money on a budget line (once per document and kind)."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("Committed")
        ACTUAL = "actual", _("Spent")

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget line"), null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("document"), max_length=80)
    label = models.CharField(_("document"), max_length=160)
    department_code = models.CharField(_("department"), max_length=40)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    month = models.PositiveSmallIntegerField(_("month"))
    over_budget = models.BooleanField(_("over budget"), default=False)
    message = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("budget entry")
        verbose_name_plural = _("budget entries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["source", "kind"], name="governance_entry_once")]

    def __str__(self) -> str:
        return self.label


class BudgetVariance(Budget):
    """The desk's variance report (a page, no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("budget variance")
        verbose_name_plural = _("budget variance")
