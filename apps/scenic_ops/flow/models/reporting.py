"""Reporting to provincial (or city) tourism platforms: endpoints and every report sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class ReportingEndpoint(AuditedModel):
    audit_masked = ("secret_enc",)
    audit_ignored = ("updated_at", "last_realtime_at", "last_daily_for")

    name = models.CharField(_("platform"), max_length=80, unique=True)
    url = models.URLField(_("endpoint URL"), max_length=300)
    secret_enc = models.BinaryField(null=True, blank=True, editable=False)
    site_code = models.CharField(_("our code on the platform"), max_length=60, blank=True)
    realtime_minutes = models.PositiveSmallIntegerField(
        _("real-time report every (minutes)"), default=5, help_text=_("0 turns real-time reports off.")
    )
    daily = models.BooleanField(_("daily report (after midnight, for the day before)"), default=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    last_realtime_at = models.DateTimeField(_("last real-time report"), null=True, blank=True)
    last_daily_for = models.DateField(_("last daily report for"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reporting platform")
        verbose_name_plural = _("reporting platforms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProvincialReport(models.Model):
    class Kind(models.TextChoices):
        REALTIME = "realtime", _("Real-time")
        DAILY = "daily", _("Daily")
        LEVEL = "level", _("Warning level change")

    endpoint = models.ForeignKey(
        ReportingEndpoint, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=40)
    payload = models.JSONField(_("payload"))
    message = models.ForeignKey(
        "core.OutboxMessage", verbose_name=_("delivery"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("platform report")
        verbose_name_plural = _("platform reports")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "kind", "period"], name="flow_report_unique")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.get_kind_display()} {self.period}"
