"""What a checkout claims, each by a conditional UPDATE or a unique row, inside the checkout's
transaction: the cart's tickets (through ticketing's door), a coupon use, points, a group-buy
seat, and the plan of the stock it takes (the hot rows last, in the checkout's block). A refusal
raises a coded `ShopError` and the checkout rolls back; nothing is left claimed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from scenic_ops.shop import sql, stock
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.intake import CheckoutRequest, Line, new_code
from scenic_ops.shop.models import (
    Coupon,
    CouponRedemption,
    Group,
    GroupDeal,
    GroupSeat,
    Member,
    Order,
    OrderLine,
    PointsEntry,
    Reservation,
)


def book_tickets(req: CheckoutRequest, phone: str, products: dict, now):
    from scenic_ops.ticketing import errors as ticketing_errors
    from scenic_ops.ticketing import services as ticketing

    slots = {group.slot_id for group in req.tickets}
    if len(slots) != 1:
        raise ShopError(Code.INVALID_REQUEST, reason="tickets of one order are for one time slot")
    items = [
        ticketing.ItemIn(
            product=products[g.product].ticket_product,
            category=products[g.product].ticket_category,
            visitors=[ticketing.VisitorIn(v.name, v.id_type, v.id_number) for v in g.visitors],
        )
        for g in req.tickets
    ]
    try:
        return ticketing.book(
            ticketing.BookingRequest(
                slot_id=req.tickets[0].slot_id,
                items=items,
                contact_name=req.contact_name or req.tickets[0].visitors[0].name,
                contact_phone=phone,
                language=req.language,
            ),
            now=now,
        )
    except ticketing_errors.TicketingError as exc:
        raise ShopError(Code.TICKET_REFUSED, reason=exc.detail, ticket_code=exc.code, status=exc.status) from exc


def redeem_coupon(coupon: Coupon, member: Member, order: Order, amount: Decimal, now) -> None:
    """The total limit first (the UPDATE locks the coupon row, so the redemption's foreign-key check
    takes no shared lock that another checkout could be waiting to upgrade), then this member's use."""
    nth = CouponRedemption.objects.filter(coupon=coupon, member=member).count() + 1
    if nth > coupon.per_member:
        raise ShopError(Code.COUPON_ALREADY_USED)
    if not Coupon.objects.filter(pk=coupon.pk, used__lt=F("total_limit")).update(used=F("used") + 1):
        raise ShopError(Code.COUPON_USED_UP)
    try:
        with transaction.atomic():
            CouponRedemption.objects.create(
                coupon=coupon, member=member, nth=nth, order=order, amount=amount, created_at=now
            )
    except IntegrityError:
        raise ShopError(Code.COUPON_ALREADY_USED) from None


def use_points(member: Member, order: Order, points: int, now) -> None:
    if not Member.objects.filter(pk=member.pk, points__gte=points).update(points=F("points") - points):
        raise ShopError(Code.NOT_ENOUGH_POINTS, points=member.points)
    PointsEntry.objects.create(
        member=member,
        delta=-points,
        reason="redeemed",
        order=order,
        state=PointsEntry.State.CREDITED,
        key=f"use:{order.number}",
        created_at=now,
        available_at=now,
    )


def take_seat(deal: GroupDeal, code: str, member: Member, order: Order, now, *, join_or_open: bool) -> Group:
    group = None
    if code:
        group = Group.objects.filter(code=code, deal=deal).first()
        if group is None:
            raise ShopError(Code.GROUP_NOT_FOUND)
        if GroupSeat.objects.filter(group=group, member=member).exists():
            raise ShopError(Code.ALREADY_IN_GROUP)
        joined = Group.objects.filter(
            pk=group.pk, status=Group.Status.OPEN, deadline__gt=now, seats__lt=F("size")
        ).update(seats=F("seats") + 1)
        if not joined:
            group.refresh_from_db()
            if not join_or_open:
                raise ShopError(Code.GROUP_FULL if group.seats >= group.size else Code.GROUP_CLOSED)
            group = None
    leader = group is None
    if leader:
        group = Group.objects.create(
            deal=deal,
            code=new_code(10),
            size=deal.size,
            seats=1,
            deadline=min(now + dt.timedelta(hours=deal.hours), deal.ends_at),
            created_at=now,
        )
    try:
        with transaction.atomic():
            GroupSeat.objects.create(group=group, member=member, order=order, leader=leader, created_at=now)
    except IntegrityError:
        raise ShopError(Code.ALREADY_IN_GROUP) from None
    return group


@dataclass
class StockPlan:
    """What the checkout's block takes (`sql.place`): reservation rows, quotas, stock rows."""

    reservations: list[dict] = field(default_factory=list)
    quotas: list[sql.Quota] = field(default_factory=list)
    takes: list[sql.StockTake] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # `fail` is `<code>:<index into labels>`

    def refusal(self, fail: str) -> ShopError:
        code, index = fail.rsplit(":", 1)
        return ShopError(Code(code), item=self.labels[int(index)])


def plan_stock(lines: list[Line], member, req: CheckoutRequest, pickup_point, channel_point, pay_by) -> StockPlan:
    """The cart's units, planned: a reservation per line naming its first-choice stock row, then
    the flash-sale and pre-sale quotas, then the stock rows (by id). The checkout's block takes
    them last, so a stock row is locked from its conditional UPDATE to the commit, nothing between.
    A flash sale's per-member limit is checked here, under the member's lock."""
    for line in lines:
        if line.flash is not None:
            bought = (
                Reservation.objects.filter(
                    order__member=member,
                    flash_sale=line.flash,
                    state__in=(Reservation.State.HELD, Reservation.State.CONSUMED),
                ).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            if bought + line.quantity > line.flash.per_member:
                raise ShopError(Code.FLASH_SALE_LIMIT, limit=line.flash.per_member)
    goods = sorted(
        (line for line in lines if line.kind in (OrderLine.Kind.GOODS, OrderLine.Kind.CARD)), key=lambda g: g.sku.pk
    )
    points = stock.points_for(req.delivery, pickup_point, channel_point)
    plan = StockPlan()
    takes = []
    for line in goods:
        presale = line.sku.presale_quota is not None
        if line.kind == OrderLine.Kind.CARD and not presale:
            continue  # a pick-up card takes its goods when it is redeemed
        candidates = () if presale else tuple(stock.stock_ids(line.sku.pk, points))
        if not presale and not candidates:
            raise ShopError(Code.OUT_OF_STOCK, item=line.label)
        index = len(plan.labels)
        plan.labels.append(line.label)
        plan.reservations.append(
            {
                "sku_id": line.sku.pk,
                "stock_id": candidates[0] if candidates else None,
                "presale": presale,
                "flash_sale_id": line.flash.pk if line.flash is not None else None,
                "quantity": line.quantity,
                "state": Reservation.State.HELD,
                "expires_at": pay_by,
            }
        )
        if line.flash is not None:
            plan.quotas.append(sql.Quota("flash", line.flash.pk, line.quantity, f"{Code.FLASH_SALE_SOLD_OUT}:{index}"))
        if presale:
            plan.quotas.append(sql.Quota("presale", line.sku.pk, line.quantity, f"{Code.PRESALE_SOLD_OUT}:{index}"))
        else:
            takes.append(sql.StockTake(candidates, line.sku.pk, line.quantity, f"{Code.OUT_OF_STOCK}:{index}"))
    plan.quotas.sort(key=lambda q: (q.kind, q.row_id))  # every checkout locks them in one order
    plan.takes = sorted(takes, key=lambda t: t.candidates[0])
    return plan
