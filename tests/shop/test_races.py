"""Concurrency on the shop's hot rows: real threads, one MariaDB connection each."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from scenic_ops.shop import services
from scenic_ops.shop.errors import ShopError
from scenic_ops.shop.models import Coupon, CouponRedemption, Group, GroupDeal, GroupSeat, Order, Refund, Reservation
from tests.shop.conftest import cart, pay, phone, stock_of


def race(fn, items, *, threads: int = 16) -> dict:
    """fn(item) from `threads` threads; returns {"ok": [...results], "<code>": count, "errors": [...]}."""
    queue, lock = list(items), threading.Lock()
    out: dict = {"ok": [], "errors": []}

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    item = queue.pop()
                try:
                    result = fn(item)
                    with lock:
                        out["ok"].append(result)
                except ShopError as exc:
                    with lock:
                        out[exc.code] = out.get(exc.code, 0) + 1
                except Exception as exc:  # noqa: BLE001 - reported by the test
                    with lock:
                        out["errors"].append(repr(exc))
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return out


@pytest.mark.django_db(transaction=True)
def test_500_buyers_for_100_units_sell_exactly_100(shop):
    stock = shop.stock["tea_wh"]
    stock.available = 100
    stock.save()
    shop.stock["tea_store"].delete()
    out = race(lambda n: services.checkout(cart(("blc-250", 1), phone_number=phone(n))).pk, range(500), threads=20)
    assert out["errors"] == []
    assert len(out["ok"]) == 100 and out.get("out_of_stock") == 400
    assert stock_of(stock) == (0, 100, 0)
    held = Reservation.objects.filter(state="held").aggregate(n=Sum("quantity"))["n"]
    assert held == 100 and Order.objects.count() == 100


@pytest.mark.django_db(transaction=True)
def test_a_one_use_coupon_used_by_20_buyers_at_once_is_used_once(shop):
    now = timezone.now()
    coupon = Coupon.objects.create(
        code="ONCE", name="一次", value=Decimal("20"), valid_from=now, valid_until=now + dt.timedelta(days=1)
    )
    out = race(lambda n: services.checkout(cart(("blc-250", 1), phone_number=phone(n), coupon="ONCE")).pk, range(20))
    assert out["errors"] == []
    assert len(out["ok"]) == 1 and out.get("coupon_used_up") == 19
    coupon.refresh_from_db()
    assert coupon.used == 1 and CouponRedemption.objects.count() == 1
    assert Order.objects.count() == 1  # the refused checkouts left nothing behind
    assert stock_of(shop.stock["tea_wh"]) == (49, 1, 0)


@pytest.mark.django_db(transaction=True)
def test_one_buyer_double_tapping_a_once_per_member_coupon_gets_it_once(shop):
    now = timezone.now()
    Coupon.objects.create(
        code="MINE",
        name="每人一次",
        value=Decimal("20"),
        total_limit=100,
        valid_from=now,
        valid_until=now + dt.timedelta(days=1),
    )
    out = race(lambda n: services.checkout(cart(("blc-250", 1), coupon="MINE")).pk, range(10), threads=10)
    assert out["errors"] == []
    assert len(out["ok"]) == 1 and out.get("coupon_already_used") == 9
    assert Coupon.objects.get(code="MINE").used == 1


def _deal(shop, **kw):
    now = timezone.now()
    return GroupDeal.objects.create(
        name="五人团",
        sku=shop.fan,
        price=Decimal("29.90"),
        size=5,
        hours=24,
        starts_at=now,
        ends_at=now + dt.timedelta(days=2),
        **kw,
    )


def _join(deal, n, code="", **kw):
    return services.checkout(
        services.CheckoutRequest(
            phone=phone(n),
            items=[services.ItemIn("fan-1", 1, deal.pk, code)],
            delivery="pickup",
            pickup_point="gate-shop",
            **kw,
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_group_of_5_joined_by_20_at_once_holds_exactly_5(shop):
    deal = _deal(shop)
    leader = _join(deal, 0)
    group = leader.group_seat.group
    out = race(lambda n: _join(deal, n, group.code).pk, range(1, 21))
    assert out["errors"] == []
    assert len(out["ok"]) == 4 and out.get("group_full") == 16
    group.refresh_from_db()
    assert group.seats == 5 and GroupSeat.objects.filter(group=group).count() == 5
    # with join_or_open the others start new groups, none over its size
    out = race(lambda n: _join(deal, n, group.code, join_or_open=True).pk, range(100, 112))
    assert out["errors"] == [] and len(out["ok"]) == 12
    for g in Group.objects.all():
        assert g.seats == GroupSeat.objects.filter(group=g).count() <= g.size


@pytest.mark.django_db(transaction=True)
def test_a_failed_group_is_refunded_exactly_once_even_settled_twice_at_once(shop):
    deal = _deal(shop)
    leader = _join(deal, 0)
    group = leader.group_seat.group
    members = [leader, _join(deal, 1, group.code), _join(deal, 2, group.code)]
    for order in members[:2]:
        pay(order)
    later = group.deadline + dt.timedelta(minutes=1)
    outcomes = race(lambda _i: services.settle_due(now=later), range(4), threads=4)
    assert outcomes["errors"] == []
    services.settle_due(now=later)
    group.refresh_from_db()
    assert group.status == Group.Status.FAILED
    for order in members[:2]:
        order.refresh_from_db()
        assert order.status == Order.Status.REFUNDED
        assert Refund.objects.filter(order=order).count() == 1
        assert Refund.objects.get(order=order).amount == order.total
    members[2].refresh_from_db()
    assert members[2].status == Order.Status.CANCELLED and not Refund.objects.filter(order=members[2]).exists()
    assert stock_of(shop.stock["fan_store"]) == (20, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_virtual_fill_group_succeeds_at_the_deadline(shop):
    deal = _deal(shop, virtual_fill=True)
    leader = _join(deal, 0)
    pay(leader)
    group = leader.group_seat.group
    assert services.settle(group.pk, now=group.deadline + dt.timedelta(seconds=1)) == "virtual"
    group.refresh_from_db()
    assert group.status == Group.Status.SUCCEEDED and group.virtual
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_payment_and_expiry_racing_end_consistent(shop):
    for attempt in range(5):
        order = services.checkout(cart(("blc-250", 1), phone_number=phone(attempt)))
        payment = services.start_payment(order)
        body, headers = services.notification_body(payment)
        due = order.pay_by + dt.timedelta(seconds=1)
        out = race(
            lambda what, body=body, headers=headers, due=due: (
                services.handle_notification("sandbox", body, headers, now=due)
                if what == "pay"
                else services.expire_due(now=due)
            ),
            ["pay", "expire"],
            threads=2,
        )
        assert out["errors"] == []
        order.refresh_from_db()
        refunds = Refund.objects.filter(order=order).count()
        assert (order.status, refunds) in ((Order.Status.PAID, 0), (Order.Status.EXPIRED, 1))
    stock = shop.stock["tea_wh"]
    stock.refresh_from_db()
    paid = Order.objects.filter(status="paid").count()
    assert (stock.available, stock.reserved, stock.sold) == (50 - paid, 0, paid)


@pytest.mark.django_db(transaction=True)
def test_a_flash_sale_of_20_bought_by_60_at_once_sells_20_and_holds_its_per_member_limit(shop):
    from scenic_ops.shop.models import FlashSale

    now = timezone.now()
    sale = FlashSale.objects.create(
        name="扇子秒杀",
        sku=shop.fan,
        price=Decimal("9.90"),
        starts_at=now,
        ends_at=now + dt.timedelta(hours=1),
        quota=20,
    )
    out = race(lambda n: services.checkout(cart(("fan-1", 1), phone_number=phone(n))).total, range(60), threads=12)
    assert out["errors"] == []
    assert len(out["ok"]) == 20 and out.get("flash_sale_sold_out") == 40
    assert set(out["ok"]) == {Decimal("17.90")}  # 9.90 at the activity price, 8 to ship in Jiangsu
    sale.refresh_from_db()
    assert sale.sold == 20
    assert stock_of(shop.stock["fan_wh"]) == (80, 20, 0)  # the refused 40 took nothing from the stock
    assert Reservation.objects.filter(flash_sale=sale, state="held").aggregate(n=Sum("quantity"))["n"] == 20
    # one buyer, twice at once, one per member: once
    sale.quota = 30
    sale.save()
    twice = race(lambda _n: services.checkout(cart(("fan-1", 1), phone_number=phone(999))).pk, range(2), threads=2)
    assert len(twice["ok"]) == 1 and twice.get("flash_sale_limit") == 1
