"""Partner accounts: an API key with scopes and a rate limit, a signing secret, a webhook."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from scenic_ops.core import apikeys, pii
from scenic_ops.ticketing import api_auth
from scenic_ops.ticketing.models import Partner

SCOPES = ["ticketing:read", "ticketing:book"]


@dataclass(frozen=True)
class PartnerCredentials:
    partner: Partner
    api_key: str
    signing_secret: str
    webhook_secret: str


@transaction.atomic
def create_partner(
    code: str,
    name: str,
    *,
    kind: str = Partner.Kind.OTA,
    prepaid: bool = True,
    rate_limit_per_minute: int = 600,
    webhook_url: str = "",
) -> PartnerCredentials:
    """A partner with fresh credentials (shown once: the key and secrets are stored hashed/encrypted)."""
    issued = apikeys.issue(
        f"partner {code}",
        kind="partner",
        scopes=SCOPES,
        subject=f"partner:{code}",
        rate_limit_per_minute=rate_limit_per_minute,
    )
    signing, webhook = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    partner = Partner.objects.create(
        code=code,
        name=name,
        kind=kind,
        api_key=issued.key,
        signing_secret_enc=pii.encrypt(signing, context="partner"),
        webhook_url=webhook_url,
        webhook_secret_enc=pii.encrypt(webhook, context="partner"),
        prepaid=prepaid,
    )
    return PartnerCredentials(partner, issued.secret, signing, webhook)


@transaction.atomic
def rotate_credentials(partner: Partner) -> PartnerCredentials:
    """New API key and signing secret; the old key is revoked at once."""
    if partner.api_key_id:
        apikeys.revoke(partner.api_key)
        api_auth.forget(partner.api_key_id)
    issued = apikeys.issue(
        f"partner {partner.code}",
        kind="partner",
        scopes=SCOPES,
        subject=f"partner:{partner.code}",
        rate_limit_per_minute=partner.api_key.rate_limit_per_minute if partner.api_key_id else 600,
    )
    signing = secrets.token_urlsafe(32)
    partner.api_key = issued.key
    partner.signing_secret_enc = pii.encrypt(signing, context="partner")
    partner.save()
    webhook = pii.decrypt(partner.webhook_secret_enc, context="partner") if partner.webhook_secret_enc else ""
    return PartnerCredentials(partner, issued.secret, signing, webhook)
