"""What happens to an order after booking: confirm, expire, cancel, refund, admit.

Every transition is a conditional UPDATE on the current state (`… WHERE status = 'held'`),
so when two things race — a payment notification and the expiry job, two refunds of the
same ticket, two gates — exactly one wins, and seats go back to the buckets exactly once,
by the winner, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from scenic_ops.core import audit, outbox, pii
from scenic_ops.core.models import AuditEvent
from scenic_ops.ticketing import inventory
from scenic_ops.ticketing.booking import claim_refused, utc_naive
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Order, Partner, Refund, Ticket

log = logging.getLogger(__name__)
CENT = Decimal("0.01")


def _release(cur, ticket_ids: list[int]) -> list[int]:
    """Give back the buckets and per-ID claims of these tickets (already moved out of their state)."""
    if not ticket_ids:
        return []
    marks = ",".join(["%s"] * len(ticket_ids))
    cur.execute(
        f"SELECT takes, id_number_index, date, claim_scope FROM ticketing_ticket WHERE id IN ({marks})", ticket_ids
    )
    takes: list[inventory.Take] = []
    claims: dict[tuple[str, dt.date, str], int] = {}
    for text, id_index, date, scopes in cur.fetchall():
        takes.extend(inventory.decode(text))
        for scope in filter(None, scopes.split(",")):
            claims[(id_index, date, scope)] = claims.get((id_index, date, scope), 0) + 1
    for (id_index, date, scope), n in sorted(claims.items()):
        cur.execute(
            "UPDATE ticketing_idclaim SET count = count - %s WHERE id_index = %s AND date = %s AND scope = %s "
            "AND count >= %s",
            [n, id_index, date, scope, n],
        )
    inventory.give_back(cur, takes)
    return sorted({t.bucket for t in takes})


def _retake(cur, ticket_ids: list[int]) -> list[int] | None:
    """Take these tickets' places and claims again (a late payment revives an expired order).

    Revived tickets take public places (an allotment they came from may be gone); their
    stored takes are rewritten so that a later refund returns exactly what was taken now.
    """
    marks = ",".join(["%s"] * len(ticket_ids))
    cur.execute(
        f"SELECT id, takes, id_number_index, date, claim_scope FROM ticketing_ticket WHERE id IN ({marks})",
        ticket_ids,
    )
    takes: list[inventory.Take] = []
    rewritten: list[tuple[str, int]] = []
    claims: dict[tuple[str, dt.date, str], int] = {}
    for tid, text, id_index, date, scopes in cur.fetchall():
        mine = [inventory.Take(t.bucket, t.used) for t in inventory.decode(text) if not t.allotment]
        takes.extend(mine)
        rewritten.append((inventory.encode(mine), tid))
        for scope in filter(None, scopes.split(",")):
            claims[(id_index, date, scope)] = claims.get((id_index, date, scope), 0) + 1
    date = next(iter(claims))[1] if claims else None
    if date is None:
        cur.execute("SELECT date FROM ticketing_ticket WHERE id = %s", [ticket_ids[0]])
        date = cur.fetchone()[0]
    pending = inventory.pend(date, takes)  # the view must not show these places while they are retaken
    for (id_index, day, scope), n in sorted(claims.items()):
        try:
            cur.execute(
                "UPDATE ticketing_idclaim SET count = count + %s WHERE id_index = %s AND date = %s AND scope = %s",
                [n, id_index, day, scope],
            )
        except DatabaseError as exc:
            if claim_refused(exc):
                inventory.publish(None, pending=pending)
                return None
            raise
    if not inventory.take(cur, takes):
        inventory.publish(None, pending=pending)
        return None
    cur.executemany("UPDATE ticketing_ticket SET takes = %s WHERE id = %s", rewritten)
    buckets = sorted({t.bucket for t in takes})
    transaction.on_commit(lambda: inventory.publish(buckets, pending=pending))
    return buckets


def _ticket_ids(cur, order_id: int) -> list[int]:
    cur.execute("SELECT id FROM ticketing_ticket WHERE order_id = %s ORDER BY id", [order_id])
    return [r[0] for r in cur.fetchall()]


# --- confirm ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Confirmation:
    outcome: str  # confirmed | revived | already | refund_needed
    order_id: int


def confirm_paid(order_id: int, *, method: str, now: dt.datetime | None = None) -> Confirmation:
    """Payment received: held → confirmed. A payment for an expired hold revives it if places are left.

    Call inside the caller's transaction (the payment update); publishes the view on commit.
    """
    now = now or timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE ticketing_order SET status = 'confirmed', confirmed_at = %s, payment_method = %s "
            "WHERE id = %s AND status = 'held'",
            [utc_naive(now), method, order_id],
        )
        if cur.rowcount == 1:
            cur.execute(
                "UPDATE ticketing_ticket SET status = 'valid' WHERE order_id = %s AND status = 'held'", [order_id]
            )
            _on_confirmed(order_id)
            return Confirmation("confirmed", order_id)
        cur.execute("SELECT status FROM ticketing_order WHERE id = %s FOR UPDATE", [order_id])
        row = cur.fetchone()
        status = row[0] if row else None
        if status in (Order.Status.CONFIRMED, Order.Status.REFUNDED):
            return Confirmation("already", order_id)
        if status in (Order.Status.EXPIRED, Order.Status.CANCELLED):
            ids = _ticket_ids(cur, order_id)
            cur.execute("SAVEPOINT tk_revive")
            buckets = _retake(cur, ids)
            if buckets is None:
                cur.execute("ROLLBACK TO SAVEPOINT tk_revive")
                return Confirmation("refund_needed", order_id)
            cur.execute(
                "UPDATE ticketing_order SET status = 'confirmed', confirmed_at = %s, payment_method = %s, "
                "closed_at = NULL WHERE id = %s",
                [utc_naive(now), method, order_id],
            )
            cur.execute("UPDATE ticketing_ticket SET status = 'valid' WHERE order_id = %s", [order_id])
            _on_confirmed(order_id)
            return Confirmation("revived", order_id)
    return Confirmation("refund_needed", order_id)


def _on_confirmed(order_id: int) -> None:
    from scenic_ops.ticketing.notify import tickets_sms

    order = Order.objects.get(pk=order_id)
    audit.record(AuditEvent.Action.TRANSITION, order, changes={"status": ["held", "confirmed"]})
    if order.contact_phone_index and order.channel in ("web", "staff", "counter"):
        tickets_sms(order_id)


# --- expire and cancel -----------------------------------------------------------------------
def _close_held(order_id: int, status: str, now: dt.datetime, *, due: bool) -> bool:
    with transaction.atomic(), connection.cursor() as cur:
        extra = " AND hold_expires_at <= %s" if due else ""
        params = [status, utc_naive(now), order_id] + ([utc_naive(now)] if due else [])
        cur.execute(
            f"UPDATE ticketing_order SET status = %s, closed_at = %s WHERE id = %s AND status = 'held'{extra}",
            params,
        )
        if cur.rowcount != 1:
            return False
        ids = _ticket_ids(cur, order_id)
        cur.execute(
            "UPDATE ticketing_ticket SET status = %s WHERE order_id = %s AND status = 'held'",
            [Ticket.Status.EXPIRED if status == "expired" else Ticket.Status.CANCELLED, order_id],
        )
        buckets = _release(cur, ids)
        audit.record(
            AuditEvent.Action.TRANSITION,
            Order.objects.get(pk=order_id),
            changes={"status": ["held", status]},
        )
        transaction.on_commit(lambda: inventory.publish(buckets))
    return True


def expire_order(order_id: int, *, now: dt.datetime | None = None) -> bool:
    """Expire one unpaid hold that is due; True if this call expired it (and returned its places)."""
    return _close_held(order_id, Order.Status.EXPIRED, now or timezone.now(), due=True)


def expire_due_holds(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(status=Order.Status.HELD, hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("id", flat=True)[:limit]
    )
    return sum(expire_order(order_id, now=now) for order_id in ids)


def cancel_order(order: Order, *, user=None, reason: str = "", now: dt.datetime | None = None) -> Order:
    """Cancel: a held order is released; a confirmed one is refunded in full (refund rules apply)."""
    now = now or timezone.now()
    if order.status == Order.Status.HELD:
        if not _close_held(order.id, Order.Status.CANCELLED, now, due=False):
            order.refresh_from_db()
            if order.status != Order.Status.CANCELLED:
                raise TicketingError(Code.ORDER_NOT_HELD)
        order.refresh_from_db()
        return order
    if order.status == Order.Status.CONFIRMED:
        codes = list(order.tickets.filter(status=Ticket.Status.VALID).values_list("code", flat=True))
        if not codes:
            raise TicketingError(Code.NOT_REFUNDABLE)
        refund_tickets(order, codes, user=user, reason=reason or "cancel", now=now)
        order.refresh_from_db()
        return order
    raise TicketingError(Code.ORDER_NOT_HELD if order.status != Order.Status.CANCELLED else Code.ORDER_NOT_HELD)


# --- refunds ---------------------------------------------------------------------------------
def refund_quote(ticket: Ticket, *, now: dt.datetime, force: bool = False) -> tuple[Decimal, Decimal]:
    """(refund, fee) for one ticket under its product's rules, or raise why not."""
    if ticket.status != Ticket.Status.VALID:
        raise TicketingError(Code.TICKET_NOT_VALID)
    product = ticket.product
    if not force:
        if not product.refundable:
            raise TicketingError(Code.NOT_REFUNDABLE)
        deadline = ticket.slot.starts_at - dt.timedelta(hours=product.refund_deadline_hours)
        if now > deadline:
            raise TicketingError(Code.REFUND_DEADLINE_PASSED)
    fee = (ticket.price * product.refund_fee_percent / 100).quantize(CENT, ROUND_HALF_UP)
    return ticket.price - fee, fee


def refund_tickets(
    order: Order,
    codes: list[str],
    *,
    user=None,
    reason: str = "",
    force: bool = False,
    now: dt.datetime | None = None,
) -> Refund:
    """Refund some tickets of a confirmed order (partial refunds per ticket); all or none."""
    now = now or timezone.now()
    codes = sorted(set(codes))
    tickets = list(order.tickets.filter(code__in=codes).select_related("product", "slot"))
    if len(tickets) != len(codes) or not codes:
        raise TicketingError(Code.TICKET_NOT_FOUND)
    if order.status not in (Order.Status.CONFIRMED,):
        raise TicketingError(Code.ORDER_NOT_CONFIRMED)
    amount = fee = Decimal("0")
    for ticket in tickets:
        back, kept = refund_quote(ticket, now=now, force=force)
        amount += back
        fee += kept
    payment = order.payments.filter(status="succeeded").order_by("id").first()
    method = order.payment_method or ""
    immediate = method in ("cash", "card", "qr", "account", "free", "")
    with transaction.atomic():
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            method=method,
            amount=amount,
            fee=fee,
            ticket_count=len(tickets),
            status=Refund.Status.SUCCEEDED if immediate else Refund.Status.PENDING,
            reason=reason[:200],
            created_at=now,
            completed_at=now if immediate else None,
            created_by=user if getattr(user, "pk", None) else None,
        )
        ids = [t.id for t in tickets]
        marks = ",".join(["%s"] * len(ids))
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE ticketing_ticket SET status = 'refunded', refund_id = %s WHERE id IN ({marks}) "
                "AND status = 'valid'",
                [refund.id, *ids],
            )
            if cur.rowcount != len(ids):
                raise TicketingError(Code.TICKET_NOT_VALID)  # someone refunded or used one meanwhile
            buckets = _release(cur, ids)
            cur.execute(
                "UPDATE ticketing_order SET refunded_amount = refunded_amount + %s, "
                "status = IF(EXISTS (SELECT 1 FROM ticketing_ticket WHERE order_id = %s AND status IN "
                "('valid', 'used')), status, 'refunded') WHERE id = %s",
                [amount, order.id, order.id],
            )
        audit.record(
            AuditEvent.Action.TRANSITION,
            order,
            changes={"refunded": [None, [t.code for t in tickets]], "amount": [None, str(amount)]},
            message=reason[:200],
        )
        partner = _partner(order)
        for ticket in tickets:
            _webhook(partner, order, ticket, "ticket.refunded", now, extra={"refund": str(amount), "fee": str(fee)})
        transaction.on_commit(lambda: inventory.publish(buckets))
        if not immediate:
            from scenic_ops.ticketing.payments import queue_refund

            queue_refund(refund.id)
    order.refresh_from_db()
    return refund


# --- admission (called by the gates domain) ------------------------------------------------------
@dataclass(frozen=True)
class Admission:
    admitted: bool
    reason: str  # admitted | not_found | wrong_date | used | refunded | not_paid | expired | cancelled
    ticket_id: int | None = None
    code: str = ""
    uses_left: int = 0
    check_document: str = ""


def admit_ticket(
    code: str | None = None, *, ticket_id: int | None = None, now: dt.datetime | None = None, gate: str = ""
) -> Admission:
    """Admit a ticket once per allowed entry, atomically (two gates scanning at once admit it once).

    The gates domain calls this after it verified the token (`tokens.verify`) or found the
    ticket by ID number (`selectors.tickets_for_id_number`). Partners get a webhook.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    where, key = ("code = %s", code) if code else ("id = %s", ticket_id)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE ticketing_ticket SET status = IF(used_count + 1 >= uses_allowed, 'used', status), "
            "used_count = used_count + 1, first_used_at = COALESCE(first_used_at, %s) "
            f"WHERE {where} AND status = 'valid' AND date = %s AND used_count < uses_allowed",
            [utc_naive(now), key, today],
        )
        admitted = cur.rowcount == 1
        ticket = (
            Ticket.objects.filter(**({"code": code} if code else {"id": ticket_id})).select_related("order").first()
        )
        if ticket is None:
            return Admission(False, "not_found")
        if not admitted:
            reason = {
                Ticket.Status.USED: "used",
                Ticket.Status.REFUNDED: "refunded",
                Ticket.Status.HELD: "not_paid",
                Ticket.Status.EXPIRED: "expired",
                Ticket.Status.CANCELLED: "cancelled",
            }.get(ticket.status, "wrong_date" if ticket.date != today else "used")
            return Admission(False, reason, ticket.id, ticket.code)
        partner = _partner(ticket.order)
        _webhook(partner, ticket.order, ticket, "ticket.used", now, extra={"gate": gate, "entry": ticket.used_count})
    return Admission(
        True, "admitted", ticket.id, ticket.code, ticket.uses_allowed - ticket.used_count, ticket.check_document
    )


# --- partner webhooks ----------------------------------------------------------------------------
def _partner(order: Order) -> Partner | None:
    if not order.partner_id:
        return None
    return Partner.objects.filter(pk=order.partner_id).first()


def _webhook(partner: Partner | None, order: Order, ticket: Ticket, event: str, now, *, extra: dict) -> None:
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
