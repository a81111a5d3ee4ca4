"""Checkout, payment, expiry and refunds: what a buyer and the shop team rely on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from scenic_ops.shop import services
from scenic_ops.shop.errors import ShopError
from scenic_ops.shop.models import Coupon, Member, Order, PointsEntry, Refund, Shipment
from tests.shop.conftest import cart, pay, stock_of


def test_checkout_holds_stock_and_payment_sells_it(shop):
    order = services.checkout(cart(("blc-250", 2)))
    assert order.status == Order.Status.PENDING
    assert order.total == Decimal("576.00")  # free shipping in Jiangsu over 199
    assert order.shipping_fee == 0
    assert stock_of(shop.stock["tea_wh"]) == (48, 2, 0)
    assert pay(order) == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert stock_of(shop.stock["tea_wh"]) == (48, 0, 2)
    shipment = Shipment.objects.get(order=order)
    assert shipment.point == shop.warehouse and shipment.status == Shipment.Status.WAITING
    assert PointsEntry.objects.get(order=order, reason="earned").state == PointsEntry.State.PENDING


def test_shipping_by_weight_and_region(shop):
    order = services.checkout(cart(("fan-1", 1)))  # 39.90 in Jiangsu, under the free threshold: 8 for the first kg
    assert order.shipping_fee == Decimal("8.00") and order.total == Decimal("47.90")
    order = services.checkout(cart(("fan-1", 8), region="广东省", city="广州市"))  # 1.2 kg elsewhere: 12 + 5
    assert order.shipping_fee == Decimal("17.00")


def test_bad_input_is_refused_with_a_code_and_changes_nothing(shop):
    before = (Order.objects.count(), stock_of(shop.stock["tea_wh"]), Member.objects.count())
    cases = [
        (cart(("blc-250", -1)), "invalid_quantity"),
        (cart(("blc-250", 0)), "invalid_quantity"),
        (cart(("blc-250", "two")), "invalid_quantity"),
        (cart(("nope", 1)), "unknown_sku"),
        (cart(("blc-250", 1), coupon="NOSUCH"), "unknown_coupon"),
        (cart(("blc-250", 1), phone_number="12345"), "invalid_phone"),
        (cart(("blc-250", 1), address=""), "invalid_address"),
        (cart(("blc-250", 1), region="西藏自治区"), "no_delivery_there"),
        (cart(("blc-250", 1), delivery="pickup", pickup_point="wh"), "unknown_pickup_point"),
        (cart(("blc-250", 1), invoice_title="某公司", invoice_tax_id="bad!"), "invalid_invoice"),
        (cart(("blc-250", 1), points=150), "invalid_points"),
        (cart(("blc-250", 1), points=-100), "invalid_points"),
        (cart(("blc-250", 1), expected_total=Decimal("1.00")), "price_changed"),
        (cart(("blc-250", 21)), "too_many_of_one"),
        (cart(("blc-250", 100)), "invalid_quantity"),
        (cart(), "empty_cart"),
    ]
    for request, code in cases:
        with pytest.raises(ShopError) as err:
            services.checkout(request)
        assert err.value.code == code, (request, err.value.code)
        assert err.value.detail
    after = (Order.objects.count(), stock_of(shop.stock["tea_wh"]), Member.objects.count())
    assert after == before


def test_out_of_stock_at_the_last_step_rolls_back_the_coupon_and_the_order(shop):
    now = timezone.now()
    coupon = Coupon.objects.create(
        code="TEA20",
        name="茶叶20元",
        value=Decimal("20"),
        total_limit=5,
        valid_from=now,
        valid_until=now + dt.timedelta(days=1),
    )
    with pytest.raises(ShopError) as err:
        services.checkout(cart(("blc-250", 1), ("fan-1", 99), coupon="TEA20"))
    assert err.value.code in ("too_many_of_one", "out_of_stock")
    shop.fan.max_per_order = 200
    shop.fan.save()
    shop.stock["fan_wh"].available = 10
    shop.stock["fan_wh"].save()
    with pytest.raises(ShopError) as err:
        services.checkout(cart(("blc-250", 1), ("fan-1", 99), coupon="TEA20"))
    assert err.value.code == "out_of_stock"
    coupon.refresh_from_db()
    assert coupon.used == 0 and not coupon.redemptions.exists()
    assert Order.objects.count() == 0
    assert stock_of(shop.stock["tea_wh"]) == (50, 0, 0)


def test_price_changed_between_cart_and_pay_is_refused(shop):
    quote = services.quote(cart(("blc-250", 1)))
    shop.tea.price = Decimal("298")
    shop.tea.save()
    with pytest.raises(ShopError) as err:
        services.checkout(cart(("blc-250", 1), expected_total=quote.total))
    assert err.value.code == "price_changed" and err.value.status == 409
    assert "298" in err.value.detail
    assert services.checkout(cart(("blc-250", 1), expected_total=Decimal("298.00"))).total == Decimal("298.00")


def test_unpaid_order_expires_once_and_gives_everything_back(shop):
    now = timezone.now()
    Coupon.objects.create(
        code="ONE", name="一次", value=Decimal("10"), valid_from=now, valid_until=now + dt.timedelta(days=1)
    )
    member = Member.objects.create(phone_index="x", phone_masked="x", points=1000, created_at=now)
    from scenic_ops.core import pii

    pii.assign(member, "phone", "13800138000", kind="phone")
    member.save()
    order = services.checkout(cart(("blc-250", 1), coupon="ONE", points=500), now=now)
    assert order.total == Decimal("288") - 10 - 5
    member.refresh_from_db()
    assert member.points == 500
    later = order.pay_by + dt.timedelta(seconds=1)
    assert services.expire_due(now=later) == 1
    assert services.expire_due(now=later) == 0
    order.refresh_from_db()
    member.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert stock_of(shop.stock["tea_wh"]) == (50, 0, 0)
    assert Coupon.objects.get(code="ONE").used == 0
    assert member.points == 1000
    # A payment arriving after the expiry is refunded, not lost.
    payment = order.payments.create(provider="sandbox", reference="SPLATE1", amount=order.total, created_at=now)
    body, headers = services.notification_body(payment)
    assert services.handle_notification("sandbox", body, headers) == "refund_needed"
    assert Refund.objects.get(order=order).amount == order.total


def test_failed_payment_releases_coupon_and_stock(shop):
    now = timezone.now()
    Coupon.objects.create(
        code="ONE", name="一次", value=Decimal("10"), valid_from=now, valid_until=now + dt.timedelta(days=1)
    )
    order = services.checkout(cart(("blc-250", 1), coupon="ONE"))
    payment = services.start_payment(order)
    body, headers = services.notification_body(payment, "failed")
    assert services.handle_notification("sandbox", body, headers) == "failed"
    assert services.handle_notification("sandbox", body, headers) == "duplicate"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Coupon.objects.get(code="ONE").used == 0
    assert stock_of(shop.stock["tea_wh"]) == (50, 0, 0)


def test_refund_before_shipping_restocks_and_cancels_points(shop):
    order = services.checkout(cart(("blc-250", 1)))
    pay(order)
    refund = services.refund_order(order, reason="changed my mind")
    assert refund.amount == order.total
    assert services.refund_order(order, reason="again") is None
    assert stock_of(shop.stock["tea_wh"]) == (50, 0, 0)
    assert PointsEntry.objects.get(order=order, reason="earned").state == PointsEntry.State.CANCELLED
    assert services.process_refund(refund.pk) == "succeeded"
    assert order.payments.get().refunded_amount == order.total


def test_points_count_after_the_refund_window(shop):
    order = services.checkout(cart(("blc-250", 1)))
    pay(order)
    member = order.member
    assert services.credit_due_points() == 0
    later = timezone.now() + dt.timedelta(days=8)
    assert services.credit_due_points(now=later) == 1
    assert services.credit_due_points(now=later) == 0
    member.refresh_from_db()
    assert member.points == 288


def test_presale_draws_on_its_quota_and_ships_after_picking(shop):
    order = services.checkout(cart(("blc-new-100", 30)))
    with pytest.raises(ShopError) as err:
        services.checkout(cart(("blc-new-100", 1)))
    assert err.value.code == "presale_sold_out"
    pay(order)
    shipment = Shipment.objects.get(order=order)
    assert shipment.ships_from == shop.tea_new.product.ships_from


def test_pickup_in_the_park_and_its_code_works_once(shop):
    order = services.checkout(cart(("fan-1", 2), delivery="pickup", pickup_point="gate-shop"))
    assert stock_of(shop.stock["fan_store"]) == (18, 2, 0)
    pay(order)
    order.refresh_from_db()
    assert order.pickup_code and len(order.pickup_code) == 10
    with pytest.raises(ShopError) as err:
        services.redeem_pickup(order.pickup_code, point=shop.warehouse)
    assert err.value.code == "wrong_pickup_point"
    done = services.redeem_pickup(order.pickup_code, point=shop.store)
    assert done.status == Order.Status.COMPLETED
    with pytest.raises(ShopError) as err:
        services.redeem_pickup(order.pickup_code, point=shop.store)
    assert err.value.code == "already_picked_up"


def test_pick_up_card_is_redeemed_once_for_a_delivery_date(shop):
    from scenic_ops.shop.models import PickupCard, Product, Sku, Stock

    card_product = Product.objects.create(code="crab-card", category=shop.tea_cat, kind="card", name="大闸蟹提货卡")
    card_sku = Sku.objects.create(product=card_product, code="crab-8", spec="4公4母", price=Decimal("598"))
    stock = Stock.objects.create(sku=card_sku, point=shop.warehouse, available=3)
    order = services.checkout(cart(("crab-8", 1)))
    assert stock_of(stock) == (3, 0, 0)  # a card takes no goods until it is redeemed
    card = PickupCard.objects.get(order=order)
    assert card.status == PickupCard.Status.PENDING
    pay(order)
    card.refresh_from_db()
    assert card.status == PickupCard.Status.ACTIVE
    day = timezone.localdate() + dt.timedelta(days=10)
    address = {
        "contact_name": "李四",
        "phone": "13700137000",
        "region": "上海市",
        "city": "上海市",
        "address": "浦东新区世纪大道1号",
    }
    with pytest.raises(ShopError) as err:
        services.redeem_card(card.code, delivery_date=timezone.localdate(), **address)
    assert err.value.code == "card_date_outside"
    delivery = services.redeem_card(card.code.lower(), delivery_date=day, **address)
    assert delivery.total == 0 and delivery.shipments.get().ships_from == day
    assert stock_of(stock) == (2, 0, 1)
    with pytest.raises(ShopError) as err:
        services.redeem_card(card.code, delivery_date=day, **address)
    assert err.value.code == "card_not_active"


@pytest.fixture
def refund_workflow(db, roles):
    from scenic_ops.workflow import setup

    setup.load()


def test_a_return_over_500_needs_finance_and_nobody_approves_their_own(shop, refund_workflow, make_user):
    from scenic_ops.workflow import services as workflow
    from scenic_ops.workflow.errors import WorkflowError

    operator, other, finance = make_user("shop_operator"), make_user("shop_operator"), make_user("finance")
    order = services.checkout(cart(("blc-250", 2)))
    pay(order)
    refund = services.request_refund(order, reason="茶叶受潮", user=operator)
    assert (
        refund.status == Refund.Status.AWAITING and refund.state == "requested" and refund.amount == Decimal("576.00")
    )
    with pytest.raises(ShopError) as err:
        services.request_refund(order, reason="again")
    assert err.value.code == "refund_already_requested"
    with pytest.raises(WorkflowError):
        workflow.apply(refund, "approve", operator)  # the requester may not approve it
    workflow.apply(refund, "approve", other)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.state == "finance_review" and order.status == Order.Status.PAID  # nothing moved yet
    workflow.apply(refund, "approve", finance)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.state == "approved" and refund.status == Refund.Status.PENDING
    assert order.status == Order.Status.REFUNDED and order.refunded_amount == Decimal("576.00")
    assert stock_of(shop.stock["tea_wh"]) == (50, 0, 0)  # it never left the warehouse
    assert Refund.objects.filter(order=order).count() == 1
    assert services.process_refund(refund.pk) == "succeeded"


def test_a_declined_return_leaves_the_order_paid(shop, refund_workflow, make_user):
    from scenic_ops.workflow import services as workflow

    order = services.checkout(cart(("fan-1", 1)))
    pay(order)
    refund = services.request_refund(order, reason="不想要了")
    assert refund.amount == order.total
    workflow.apply(refund, "decline", make_user("shop_operator"), comment="已发货，请走退货")
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.DECLINED and order.status == Order.Status.PAID


def test_tickets_in_the_cart_follow_ticketing_and_their_refund_rules(shop, tk):
    from scenic_ops.shop.services import TicketIn, VisitorIn
    from scenic_ops.ticketing.models import Order as TicketOrder
    from tests.shop.conftest import valid_id
    from tests.ticketing.conftest import slot_of

    slot = slot_of(2)
    request = cart(("fan-1", 1))
    request.tickets = [TicketIn("entry-ticket", slot.id, [VisitorIn("王小明", "resident", valid_id(31))])]
    order = services.checkout(request)
    ticket_order = TicketOrder.objects.get(number=order.ticket_order)
    assert ticket_order.status == "held" and order.pay_by <= ticket_order.hold_expires_at
    ticket_price = ticket_order.total
    assert order.total == Decimal("39.90") + 8 + ticket_price
    pay(order)
    ticket_order.refresh_from_db()
    assert ticket_order.status == "confirmed"
    refund = services.refund_order(order, reason="行程取消")
    ticket_order.refresh_from_db()
    assert ticket_order.status == "refunded"
    fee = (ticket_price * 10 / 100).quantize(Decimal("0.01"))  # the admission's 10 % refund fee
    assert refund.amount == Decimal("39.90") + 8 + ticket_price - fee


def test_a_short_first_warehouse_ships_from_the_next_one(shop):
    from scenic_ops.core.models import AuditEvent
    from scenic_ops.shop.models import Reservation, ShopPoint, Stock

    second = ShopPoint.objects.create(code="wh2", name="无锡仓", kind="warehouse", priority=2)
    spare = Stock.objects.create(sku=shop.fan, point=second, available=24)
    first = shop.stock["fan_wh"]
    first.available = 3
    first.save()
    order = services.checkout(cart(("fan-1", 5)))
    assert stock_of(first) == (3, 0, 0) and stock_of(spare) == (19, 5, 0)
    assert Reservation.objects.get(order=order).stock_id == spare.pk
    assert pay(order) == "paid"
    assert stock_of(spare) == (19, 0, 5)
    assert Shipment.objects.get(order=order).point == second
    event = AuditEvent.objects.get(
        object_id=str(order.pk), action="create", content_type__app_label="shop", content_type__model="order"
    )
    assert event.changes["number"] == [None, order.number] and event.changes["items"] == [None, ["fan-1x5"]]
    # neither has enough: refused, nothing taken, no order, no audit row
    with pytest.raises(ShopError) as err:
        services.checkout(cart(("fan-1", 20), phone_number="13900139000"))
    assert err.value.code == "out_of_stock" and "云岫山折扇" in err.value.detail
    assert stock_of(first) == (3, 0, 0) and stock_of(spare) == (19, 0, 5)
    assert Order.objects.count() == 1
    assert (
        AuditEvent.objects.filter(content_type__app_label="shop", content_type__model="order", action="create").count()
        == 1
    )
