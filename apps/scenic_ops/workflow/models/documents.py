"""The general approval request (通用审批单): a real document for any workflow to drive."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel
from scenic_ops.core.spending import Category


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class ApprovalRequest(AuditedModel):
    title = models.CharField(_("title"), max_length=120)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    department = models.ForeignKey(
        "core.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    budget_category = models.CharField(
        _("budget category"),
        max_length=12,
        choices=Category.choices,
        blank=True,
        help_text=_("Spending on a budget: checked against the department's line when it is approved."),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    zone = models.ForeignKey("core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"
