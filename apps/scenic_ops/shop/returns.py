"""Returns and refunds a buyer or the desk asks for, approved on the workflow engine.

`request_refund` files a refund request (`Refund` in state awaiting) for a paid or completed
order and puts it on the `shop.refund` workflow (fixtures/workflows/shop_refund.toml): the shop
team approves up to 500 CNY, finance reviews above; nobody approves their own request. When
the workflow enters `approved`, `on_workflow_event` refunds the order through
`orders.refund_order` (stock back if it never left, coupon and points back, tickets
cancelled) and queues the provider refund; `declined` closes the request and the order stays
as it was. Automatic refunds (a failed group, a payment after expiry) do not need approval.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from scenic_ops.shop import orders
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import Order, Payment, Refund


def request_refund(order: Order, *, reason: str, user=None, now=None) -> Refund:
    from scenic_ops.workflow import services as workflow

    now = now or timezone.now()
    reason = " ".join(str(reason or "").split())[:200]
    if not reason:
        raise ShopError(Code.INVALID_REQUEST, reason="a reason is required")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in (Order.Status.PAID, Order.Status.COMPLETED):
            raise ShopError(Code.NOT_PAID)
        if locked.refunds.filter(status=Refund.Status.AWAITING).exists():
            raise ShopError(Code.REFUND_ALREADY_REQUESTED)
        amount = locked.total - locked.refunded_amount
        if amount <= 0:
            raise ShopError(Code.NOTHING_TO_REFUND)
        refund = Refund.objects.create(
            order=locked,
            payment=locked.payments.filter(status=Payment.Status.SUCCEEDED).first(),
            key=f"request:{locked.number}:{locked.refunds.count() + 1}",
            amount=amount,
            reason=reason,
            status=Refund.Status.AWAITING,
            requested_by=user if getattr(user, "pk", None) else None,
            created_at=now,
        )
        workflow.start(refund, user, now=now)
    refund.refresh_from_db()
    return refund


def on_workflow_event(event) -> None:
    if event.name != "state_entered":
        return
    refund = Refund.objects.select_related("order").get(pk=event.document.pk)
    if refund.status != Refund.Status.AWAITING:
        return
    if event.to_state == "approved":
        if orders.refund_order(refund.order, reason=refund.reason, now=event.now, approved=refund) is None:
            raise ShopError(Code.NOT_PAID)  # refunded meanwhile: the approval is refused, nothing moves
    elif event.to_state == "declined":
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.AWAITING).update(
            status=Refund.Status.DECLINED, completed_at=event.now
        )
