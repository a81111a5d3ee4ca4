"""API keys for devices and partners, and the idempotency record shared by create endpoints."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import AuditedModel


class ApiKey(AuditedModel):
    class Kind(models.TextChoices):
        DEVICE = "device", _("Device")
        PARTNER = "partner", _("Partner")
        INTEGRATION = "integration", _("Integration")

    audit_masked = ("key_hash",)

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    subject = models.CharField(
        _("bound to"), max_length=80, blank=True, help_text=_("What the key belongs to, e.g. gate:3 or partner:ctrip.")
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("rate limit per minute"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyRecord(models.Model):
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
