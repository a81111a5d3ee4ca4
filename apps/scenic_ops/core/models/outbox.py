"""Outbound messages, written in the same transaction as the change that causes them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom robot")
    WEBHOOK = "webhook", _("Webhook")


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Dead letter")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target_enc = models.BinaryField(editable=False)
    target_display = models.CharField(_("recipient"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("max attempts"), default=6)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=120, blank=True)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=190, null=True, blank=True, unique=True)
    source = models.CharField(_("source"), max_length=120, blank=True, help_text=_("What caused the message."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        permissions = [("resend_outboxmessage", _("Can re-send dead letters"))]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target_display}"


class RecordedMessage(models.Model):
    """What the development gateways 'sent': SMS and email kept for inspection, not delivered."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target_display = models.CharField(_("recipient"), max_length=200)
    target_index = models.CharField(max_length=64, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    outbox = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("recorded message")
        verbose_name_plural = _("recorded messages (development gateway)")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target_display}"
