"""What happens to an order after booking: confirm, expire, cancel, refund.

Every transition is a conditional UPDATE on the current state (`… WHERE status = 'held'`),
so when two things race — a payment notification and the expiry job, two refunds of the
same ticket — exactly one wins, and seats go back to the buckets exactly once, by the
winner, in the same transaction. These are the slow paths: plain ORM, `F()` expressions and
conditional `.update()`s. Each transition leaves an audit row on the order and on each ticket.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from scenic_ops.core import audit
from scenic_ops.core.models import AuditEvent
from scenic_ops.ticketing import inventory, remaining, webhooks
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import IdClaim, Order, Refund, Ticket

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
CLAIM_CHECK = "tk_idclaim_limit"


def claim_refused(exc: DatabaseError) -> bool:
    """The per-ID CHECK refused a claim (any other CHECK failure is a bug and propagates)."""
    return bool(exc.args) and exc.args[0] == 4025 and CLAIM_CHECK in str(exc)


def _places(ticket_ids: list[int]) -> tuple[list[inventory.Take], dict[tuple[str, dt.date, str], int]]:
    """The takes and per-ID claims these tickets hold."""
    takes: list[inventory.Take] = []
    claims: dict[tuple[str, dt.date, str], int] = {}
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list("takes", "id_number_index", "date", "claim_scope")
    for text, id_index, date, scopes in rows:
        takes.extend(inventory.decode(text))
        for scope in filter(None, scopes.split(",")):
            claims[(id_index, date, scope)] = claims.get((id_index, date, scope), 0) + 1
    return takes, claims


def _release(ticket_ids: list[int]) -> list[int]:
    """Give back the buckets and per-ID claims of these tickets (already moved out of their state)."""
    if not ticket_ids:
        return []
    takes, claims = _places(ticket_ids)
    for (id_index, date, scope), n in sorted(claims.items()):
        IdClaim.objects.filter(id_index=id_index, date=date, scope=scope, count__gte=n).update(count=F("count") - n)
    inventory.give_back(takes)
    return sorted({t.bucket for t in takes})


class _Refused(Exception):
    """Rolls back a revival's savepoint."""


def _retake(ticket_ids: list[int]) -> list[int] | None:
    """Take these tickets' places and claims again (a late payment revives an expired order).

    Revived tickets take public places (an allotment they came from may be gone); their stored
    takes are rewritten so that a later refund returns exactly what was taken now. None: the
    places are gone (nothing was changed).
    """
    rows = list(Ticket.objects.filter(pk__in=ticket_ids).values_list("id", "takes", "date"))
    takes: list[inventory.Take] = []
    rewritten: dict[int, str] = {}
    for tid, text, _date in rows:
        mine = [inventory.Take(t.bucket, t.used) for t in inventory.decode(text) if not t.allotment]
        takes.extend(mine)
        rewritten[tid] = inventory.encode(mine)
    _takes, claims = _places(ticket_ids)
    date = rows[0][2]
    pending = remaining.pend(date, takes)  # the view must not show these places while they are retaken
    try:
        with transaction.atomic():
            for (id_index, day, scope), n in sorted(claims.items()):
                IdClaim.objects.filter(id_index=id_index, date=day, scope=scope).update(count=F("count") + n)
            if not inventory.take(takes):
                raise _Refused
            for tid, text in rewritten.items():
                Ticket.objects.filter(pk=tid).update(takes=text)
    except _Refused:
        remaining.publish(None, pending=pending)
        return None
    except DatabaseError as exc:
        remaining.publish(None, pending=pending)
        if claim_refused(exc):
            return None
        raise
    buckets = sorted({t.bucket for t in takes})
    transaction.on_commit(lambda: remaining.publish(buckets, pending=pending))
    return buckets


def _audit_transition(order: Order, old: str, new: str, *, tickets: list[Ticket] | None = None, message: str = ""):
    audit.record(AuditEvent.Action.TRANSITION, order, changes={"status": [old, new]}, message=message)
    if tickets:
        audit.record_many(AuditEvent.Action.TRANSITION, tickets, changes={"status": [old, new]}, message=message)


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
    with transaction.atomic():
        if Order.objects.filter(pk=order_id, status=Order.Status.HELD).update(
            status=Order.Status.CONFIRMED, confirmed_at=now, payment_method=method
        ):
            tickets = list(Ticket.objects.filter(order_id=order_id, status=Ticket.Status.HELD))
            Ticket.objects.filter(order_id=order_id, status=Ticket.Status.HELD).update(status=Ticket.Status.VALID)
            _on_confirmed(order_id, "held", tickets)
            return Confirmation("confirmed", order_id)
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        status = order.status if order else None
        if status in (Order.Status.CONFIRMED, Order.Status.REFUNDED):
            return Confirmation("already", order_id)
        if status not in (Order.Status.EXPIRED, Order.Status.CANCELLED):
            return Confirmation("refund_needed", order_id)
        tickets = list(Ticket.objects.filter(order_id=order_id).order_by("pk"))
        if _retake([t.pk for t in tickets]) is None:
            return Confirmation("refund_needed", order_id)
        Order.objects.filter(pk=order_id).update(
            status=Order.Status.CONFIRMED, confirmed_at=now, payment_method=method, closed_at=None
        )
        Ticket.objects.filter(order_id=order_id).update(status=Ticket.Status.VALID)
        _on_confirmed(order_id, status, tickets)
        return Confirmation("revived", order_id)


def _on_confirmed(order_id: int, old: str, tickets: list[Ticket]) -> None:
    from scenic_ops.ticketing.notify import tickets_sms

    order = Order.objects.get(pk=order_id)
    _audit_transition(order, old, Order.Status.CONFIRMED, tickets=tickets)
    if order.contact_phone_index and order.channel in ("web", "staff", "counter"):
        tickets_sms(order_id)


# --- expire and cancel -----------------------------------------------------------------------
def _close_held(order_id: int, status: str, now: dt.datetime, *, due: bool) -> bool:
    with transaction.atomic():
        held = Order.objects.filter(pk=order_id, status=Order.Status.HELD)
        if due:
            held = held.filter(hold_expires_at__lte=now)
        if held.update(status=status, closed_at=now) != 1:
            return False
        tickets = list(Ticket.objects.filter(order_id=order_id, status=Ticket.Status.HELD).order_by("pk"))
        Ticket.objects.filter(order_id=order_id, status=Ticket.Status.HELD).update(
            status=Ticket.Status.EXPIRED if status == Order.Status.EXPIRED else Ticket.Status.CANCELLED
        )
        buckets = _release([t.pk for t in Ticket.objects.filter(order_id=order_id)])
        _audit_transition(Order.objects.get(pk=order_id), "held", status, tickets=tickets)
        transaction.on_commit(lambda: remaining.publish(buckets))
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
    raise TicketingError(Code.ORDER_NOT_HELD)


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
        Order.objects.select_for_update().filter(pk=order.pk).first()  # one refund of an order at a time
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
        moved = Ticket.objects.filter(pk__in=ids, status=Ticket.Status.VALID).update(
            status=Ticket.Status.REFUNDED, refund=refund
        )
        if moved != len(ids):
            raise TicketingError(Code.TICKET_NOT_VALID)  # someone refunded or used one meanwhile
        buckets = _release(ids)
        left = Ticket.objects.filter(order_id=order.pk, status__in=[Ticket.Status.VALID, Ticket.Status.USED]).exists()
        Order.objects.filter(pk=order.pk).update(
            refunded_amount=F("refunded_amount") + amount, **({} if left else {"status": Order.Status.REFUNDED})
        )
        audit.record(
            AuditEvent.Action.TRANSITION,
            order,
            changes={"refunded": [None, [t.code for t in tickets]], "amount": [None, str(amount)]},
            message=reason[:200],
        )
        audit.record_many(
            AuditEvent.Action.TRANSITION, tickets, changes={"status": ["valid", "refunded"]}, message=reason[:200]
        )
        partner = webhooks.partner_of(order)
        for ticket in tickets:
            webhooks.send(
                partner, order, ticket, "ticket.refunded", now, extra={"refund": str(amount), "fee": str(fee)}
            )
        transaction.on_commit(lambda: remaining.publish(buckets))
        if not immediate:
            from scenic_ops.ticketing.payments import queue_refund

            queue_refund(refund.id)
    order.refresh_from_db()
    return refund
