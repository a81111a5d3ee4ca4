"""What a checkout claims, each by a conditional UPDATE or a unique row, inside the checkout's
transaction: the cart's tickets (through ticketing's door), a coupon use, points, a group-buy
seat, and the stock (the hot rows last). A refusal raises a coded `ShopError` and the checkout
rolls back; nothing is left claimed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from scenic_ops.shop import stock
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


def take_stock(order, lines: list[Line], member, req, pickup_point, channel_point, now) -> None:
    """The hot rows last. The reservations are written first (naming each line's first-choice stock
    row), then the flash-sale and pre-sale quotas, then the stock rows (by id): a stock row is locked
    from its conditional UPDATE to the commit and nothing else runs in between."""
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
    plans = []  # (line, reservation, candidate stock rows)
    for line in goods:
        presale = line.sku.presale_quota is not None
        if line.kind == OrderLine.Kind.CARD and not presale:
            continue  # a pick-up card takes its goods when it is redeemed
        candidates = [] if presale else stock.stock_ids(line.sku.pk, points)
        if not presale and not candidates:
            raise ShopError(Code.OUT_OF_STOCK, item=line.label)
        reservation = Reservation(
            order=order,
            sku=line.sku,
            stock_id=candidates[0] if candidates else None,
            presale=presale,
            flash_sale=line.flash,
            quantity=line.quantity,
            expires_at=order.pay_by,
        )
        plans.append((line, reservation, candidates))
    Reservation.objects.bulk_create([r for _line, r, _c in plans])
    for line, _r, _c in plans:
        if line.flash is not None:
            stock.take_flash(line.flash, line.quantity, label=line.label)
    for line, _r, candidates in plans:
        if not candidates:
            stock.take_presale(line.sku, line.quantity, label=line.label)
    for line, reservation, candidates in plans:
        if candidates:
            taken = stock.take(line.quantity, candidates, label=line.label)
            if taken != reservation.stock_id:  # the first choice was short: another warehouse had it
                Reservation.objects.filter(pk=reservation.pk).update(stock_id=taken)
