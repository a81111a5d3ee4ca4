"""Shared by the service domain: message templates and alerts (opinion spikes, low stock, energy)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class MessageTemplate(AuditedModel):
    """A text sent by SMS, e-mail or webhook; `{name}` placeholders are filled when it is sent."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=80)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), help_text=_("Placeholders in braces, e.g. {code}, {site}, {link}."))
    subject_en = models.CharField(_("English subject"), max_length=200, blank=True)
    body_en = models.TextField(_("English text"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceAlert(models.Model):
    """An alert raised by a rule of this domain. One open alert per `open_key` at a time."""

    class Kind(models.TextChoices):
        OPINION_SPIKE = "opinion_spike", _("Negative opinion spike")
        LOW_STOCK = "low_stock", _("Low stock")
        ENERGY_ANOMALY = "energy_anomaly", _("Energy anomaly")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    open_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised"), db_index=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service alert")
        verbose_name_plural = _("service alerts")
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
