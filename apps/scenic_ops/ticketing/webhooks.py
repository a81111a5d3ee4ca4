"""Messages to partners (OTAs) about their tickets: `ticket.used`, `ticket.refunded`.

Written to the outbox inside the transaction that changed the ticket, so a partner hears of
every use and refund exactly as it happened (once per event, `dedupe_key`), even if the
process dies right after the commit. Signed with the partner's webhook secret.
"""

from __future__ import annotations

import datetime as dt

from scenic_ops.core import outbox, pii
from scenic_ops.ticketing.models import Order, Partner, Ticket


def partner_of(order: Order) -> Partner | None:
    if not order.partner_id:
        return None
    return Partner.objects.filter(pk=order.partner_id).first()


def send(partner: Partner | None, order: Order, ticket: Ticket, event: str, now: dt.datetime, *, extra: dict) -> None:
    if partner is None or not partner.webhook_url:
        return
    secret = pii.decrypt(partner.webhook_secret_enc, context="partner") if partner.webhook_secret_enc else ""
    payload = {
        "event": event,
        "order": order.number,
        "external_id": order.external_id,
        "ticket": ticket.code,
        "at": now.isoformat(),
        **extra,
    }
    if secret:
        payload["_signing_secret"] = secret
    suffix = extra.get("entry", "")
    outbox.enqueue(
        "webhook",
        partner.webhook_url,
        payload=payload,
        dedupe_key=f"tk:{event}:{ticket.id}:{suffix}",
        source=f"ticketing:{order.number}",
    )


def ticket_event(ticket: Ticket, event: str, now: dt.datetime, *, extra: dict) -> None:
    """One ticket's event to its partner (nothing for tickets not sold by a partner)."""
    send(partner_of(ticket.order), ticket.order, ticket, event, now, extra=extra)
