"""Multi-code entry: ID cards, social-security cards and face-match ids lead to the visitor's tickets.

Every credential becomes the blind index of the visitor's ID number (`pii.blind_index(…,
kind="id")`, the same key and normalisation ticketing stores on each ticket), and tickets
are found by that index: nothing is decrypted. A social-security number *is* the citizen
ID number in China; a card or a face-match id bound to a visitor maps to the visitor's
ID index through a `CredentialBinding` (the face template stays on the gate vendor's
device: we keep only the id its match returns, encrypted and as its own blind index).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from scenic_ops.access.errors import AccessCode, AccessError
from scenic_ops.access.windows import window_refusal
from scenic_ops.core import pii
from scenic_ops.ticketing import gate, idcard

ID_KIND = "id"  # ticketing's blind-index kind for ID numbers (what `ticketing.gate.candidates` looks up)


def id_index(number: str) -> str:
    return pii.blind_index(idcard.normalise(number), kind=ID_KIND)


def credential_index(kind: str, value: str) -> str:
    return pii.blind_index(value, kind=f"access-{kind}")


def _looks_like_citizen_id(value: str) -> bool:
    number = idcard.normalise(value)
    return len(number) == 18 and number[:17].isdigit() and idcard.check_digit(number[:17]) == number[17]


def visitor_index(method: str, value: str) -> str | None:
    """The blind index of the visitor's ID number behind a credential, or None if nobody is bound to it."""
    from scenic_ops.access.models import CredentialBinding

    if method == "id_card":
        return id_index(value)
    binding = (
        CredentialBinding.objects.filter(
            kind=method, value_index=credential_index(method, value), expires_at__gt=timezone.now()
        )
        .values_list("id_index", flat=True)
        .first()
    )
    if binding:
        return binding
    if method == "ssc" and _looks_like_citizen_id(value):
        return id_index(value)  # 社会保障号码 = 公民身份号码
    return None


def choose(fits: list[gate.Candidate], snap, now: dt.datetime, direction: str) -> gate.Candidate:
    """The ticket a person means at this lane: one with uses left whose window is open, earliest slot first."""
    today = timezone.localdate(now)

    def key(c: gate.Candidate):
        if direction == "out":
            return (0 if c.used_count else 1, c.start)
        unused = c.status == "valid" and c.used_count < c.uses_allowed
        open_now = window_refusal(snap, snap.rule(c.product_id), today, c.start, c.end, now) is None
        return (0 if unused else 1, 0 if open_now else 1, c.start)

    return sorted(fits, key=key)[0]


def _expiry(day: dt.date) -> dt.datetime:
    days = int(settings.SITE.get("access", "binding_days", 1))
    end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(23, 59, 59))
    return timezone.make_aware(end)


def bind(
    kind: str,
    value: str,
    *,
    index: str,
    id_masked: str,
    valid_until: dt.date,
    consent: bool,
    source: str,
    vendor: str = "",
    user=None,
    now: dt.datetime | None = None,
):
    """Bind a face-match id or a social-security card to a visitor (their ID blind index); idempotent."""
    from scenic_ops.access.models import CredentialBinding

    now = now or timezone.now()
    if kind not in (CredentialBinding.Kind.FACE, CredentialBinding.Kind.SSC):
        raise AccessError(AccessCode.UNKNOWN_CREDENTIAL_TYPE, type=str(kind)[:20])
    if consent is not True:
        raise AccessError(AccessCode.CONSENT_REQUIRED)
    value = (value or "").strip()
    if not value or len(value) > 128:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="value must be 1 to 128 characters")
    value_index = credential_index(kind, value)
    masked = value[:2] + "*" * max(0, len(value) - 4) + value[-2:] if len(value) > 4 else "*" * len(value)
    binding = CredentialBinding.objects.filter(kind=kind, value_index=value_index).first()
    expires = _expiry(valid_until)
    if binding is None:
        binding = CredentialBinding(kind=kind, value_index=value_index)
    binding.value_enc = pii.encrypt(value, context=f"access-{kind}")
    binding.value_masked = masked
    binding.vendor = vendor[:40]
    binding.id_index = index
    binding.id_masked = id_masked
    binding.source = source
    binding.consent_at = now
    binding.expires_at = max(expires, binding.expires_at) if binding.pk and binding.expires_at else expires
    if user is not None and getattr(user, "pk", None):
        binding.created_by = user
    binding.save()
    return binding


def bind_for_visitor(
    kind: str,
    value: str,
    *,
    id_number: str = "",
    ticket_code: str = "",
    consent: bool,
    source: str,
    vendor: str = "",
    user=None,
    now=None,
):
    """Bind to the visitor named by an ID number or one of their tickets (booking portal, desk)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if ticket_code:
        found = gate.visitor(from_day=today, ticket_code=ticket_code)
    elif id_number:
        if not idcard.normalise(id_number):
            raise AccessError(AccessCode.INVALID_ID_NUMBER)
        found = gate.visitor(from_day=today, id_index=id_index(id_number))
    else:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="give id_number or ticket")
    if found is None:
        raise AccessError(AccessCode.NO_TICKET_FOR_VISITOR, status=404)
    index, masked, last_day = found.id_index, found.id_masked, found.last_day
    return bind(
        kind,
        value,
        index=index,
        id_masked=masked,
        valid_until=last_day,
        consent=consent,
        source=source,
        vendor=vendor,
        user=user,
        now=now,
    )


def bind_from_gate(req, ticket: gate.Candidate) -> None:
    """A visitor enrolled at the gate on first entry (ID card + face, with consent)."""
    spec = req.bind or {}
    bind(
        str(spec.get("kind", "face")),
        str(spec.get("value", "")),
        index=ticket.id_index,
        id_masked=ticket.id_masked,
        valid_until=timezone.localdate(req.now),
        consent=spec.get("consent") is True,
        source="gate",
        vendor=req.device.vendor,
        now=req.now,
    )
