"""Partners that sell our inventory: OTAs (through the partner API) and travel agencies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Partner(AuditedModel):
    class Kind(models.TextChoices):
        OTA = "ota", _("OTA")
        AGENCY = "agency", _("Travel agency")

    audit_masked = ("signing_secret_enc", "webhook_secret_enc")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OTA)
    api_key = models.OneToOneField(
        "core.ApiKey", verbose_name=_("API key"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signing_secret_enc = models.BinaryField(null=True, editable=False)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret_enc = models.BinaryField(null=True, editable=False)
    prepaid = models.BooleanField(
        _("settles on account"),
        default=True,
        help_text=_("Orders are confirmed at once and settled with the partner later (monthly statement)."),
    )
    products = models.ManyToManyField(
        "ticketing.Product", verbose_name=_("products it may sell"), blank=True, help_text=_("Empty: all products.")
    )
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
