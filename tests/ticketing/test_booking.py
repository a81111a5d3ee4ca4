import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from scenic_ops.ticketing import services, tokens
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import IdClaim, Order, Ticket
from tests.ticketing.conftest import assert_consistent, bucket_state, request, slot_of, valid_id


def test_book_confirmed_takes_every_bucket(tk):
    slot = slot_of()
    booking = services.book(request(slot, n=2, confirm=True, channel="counter", payment_method="cash"))
    assert booking.status == "confirmed"
    assert booking.total == Decimal("200")
    assert len(booking.tickets) == 2
    state = bucket_state(slot)
    assert state["slot"][0] == 2 and state["day"][0] == 2
    ticket = Ticket.objects.get(code=booking.tickets[0].code)
    assert ticket.status == "valid" and ticket.id == booking.tickets[0].id
    assert ticket.name_masked.startswith("游") and "*" in ticket.id_number_masked
    claims = tokens.verify(booking.tickets[0].token)
    assert claims.code == ticket.code and claims.product == "entry"
    assert Order.objects.get(pk=booking.order_id).payments.get().method == "cash"
    assert_consistent()


def test_bundle_draws_site_and_cableway(tk):
    slot = slot_of()
    services.book(request(slot, product="entry-cable", confirm=True, channel="counter"))
    state = bucket_state(slot)
    assert state["slot"][0] == 1 and state["day"][0] == 1 and state["product"][0] == 1


def test_hold_then_expire_returns_places_once(tk):
    slot = slot_of()
    booking = services.book(request(slot, n=3))
    assert booking.status == "held" and bucket_state(slot)["slot"][0] == 3
    later = timezone.now() + dt.timedelta(minutes=30)
    assert services.expire_order(booking.order_id, now=later) is True
    assert services.expire_order(booking.order_id, now=later) is False
    assert bucket_state(slot)["slot"][0] == 0
    assert (
        IdClaim.objects.get(id_index=Ticket.objects.filter(order_id=booking.order_id).first().id_number_index).count
        == 0
    )
    assert_consistent()


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda r: setattr(r.items[0].visitors[0], "id_number", "110101199003071235"), "invalid_id_checksum"),
        (lambda r: setattr(r.items[0], "quantity", -1), "invalid_quantity"),
        (lambda r: setattr(r.items[0], "product", "nope"), "unknown_product"),
        (lambda r: setattr(r.items[0], "category", "group"), "group_only"),
        (lambda r: setattr(r, "slot_id", 999999), "unknown_slot"),
    ],
)
def test_bad_input_changes_nothing(tk, mutate, code):
    slot = slot_of()
    req = request(slot)
    mutate(req)
    before = bucket_state(slot)
    with pytest.raises(TicketingError) as err:
        services.book(req)
    assert err.value.code == code
    assert bucket_state(slot) == before and Order.objects.count() == 0 and IdClaim.objects.count() == 0


def test_past_slot_and_closed_day(tk):
    from scenic_ops.ticketing import capacity

    with pytest.raises(TicketingError) as err:
        services.book(request(slot_of(-1)))
    assert err.value.code == "slot_past"
    slot = slot_of(2)
    capacity.set_day_closed(slot.date, True)
    with pytest.raises(TicketingError) as err:
        services.book(request(slot))
    assert err.value.code == "day_closed"
    assert Order.objects.count() == 0


def test_per_id_limit_and_eligibility(tk):
    slot = slot_of()
    services.book(request(slot, seq=7, confirm=True, channel="counter"))
    with pytest.raises(TicketingError) as err:
        services.book(request(slot_of(1, 10), seq=7, channel="web"))
    assert err.value.code == "id_limit_reached"
    from scenic_ops.ticketing.services import BookingRequest, ItemIn, VisitorIn

    adult = VisitorIn("王五", "resident", valid_id(50))
    with pytest.raises(TicketingError) as err:
        services.book(BookingRequest(slot.id, [ItemIn("entry", "child", [adult])]))
    assert err.value.code == "not_eligible"
    kid = VisitorIn("小明", "resident", valid_id(51, born=timezone.localdate().replace(year=2020)))
    booking = services.book(BookingRequest(slot.id, [ItemIn("entry", "child", [kid])]))
    assert booking.total == Decimal("50")
    passport = VisitorIn("John Smith", "passport", "E12345678")
    booking = services.book(BookingRequest(slot.id, [ItemIn("entry", "senior", [passport])]))
    assert Ticket.objects.get(code=booking.tickets[0].code).check_document


def test_sold_out_product_bucket(tk):
    slot = slot_of()
    services.book(request(slot, product="cable", n=40, confirm=True, channel="counter"))
    with pytest.raises(TicketingError) as err:
        services.book(request(slot, product="cable", seq=100))
    assert err.value.code == "sold_out"
    assert_consistent()


@pytest.mark.django_db(transaction=True)
def test_a_product_drawing_no_capacity_books(tk):
    """An audio guide sold per slot but limited by nothing: no bucket to take, still one order."""
    from scenic_ops.ticketing import catalog
    from scenic_ops.ticketing.models import Price, Product

    guide = Product.objects.create(code="guide", name="语音导览", name_en="Audio guide", kind="service")
    Price.objects.create(product=guide, category=tk.cats["adult"], day_type="workday", amount=Decimal("20"))
    Price.objects.create(product=guide, category=tk.cats["adult"], day_type="weekend", amount=Decimal("20"))
    Price.objects.create(product=guide, category=tk.cats["adult"], day_type="holiday", amount=Decimal("20"))
    catalog.invalidate()
    slot = slot_of()
    before = bucket_state(slot)
    booking = services.book(request(slot, product="guide", confirm=True, channel="counter", payment_method="cash"))
    assert booking.status == "confirmed"
    assert len(booking.tickets) == 1
    assert bucket_state(slot) == before


def test_a_sales_halt_stops_every_channel_until_resumed(tk):
    """Visitor flow at its limit (or an operator) stops the day's sale; nothing is taken meanwhile."""
    from scenic_ops.flow.services import halt_sales, resume_sales
    from scenic_ops.ticketing import selectors

    slot = slot_of()
    services.book(request(slot, seq=1, confirm=True, channel="counter"))
    halt_sales(slot.date, reason="红色预警")
    before = bucket_state(slot)
    for channel in ("web", "counter", "staff", "agency"):
        with pytest.raises(TicketingError) as err:
            services.book(request(slot, seq=2, channel=channel))
        assert err.value.code == "sales_halted" and err.value.status == 409
    assert bucket_state(slot) == before and Order.objects.count() == 1
    shown = selectors.availability(slot.date)
    assert shown["status"] == "closed" and shown["halted"] is True and shown["remaining"] == 0
    assert all(s["remaining"] == 0 for s in shown["slots"])
    assert b'"halted":true' in selectors.availability_json(slot.date)

    assert resume_sales(slot.date, reason="客流回落")
    assert selectors.availability(slot.date)["status"] == "open"
    assert b'"halted":false' in selectors.availability_json(slot.date)
    assert services.book(request(slot, seq=2, confirm=True, channel="counter")).status == "confirmed"
    assert_consistent()


def test_booked_per_day_counts_live_admissions(tk):
    from scenic_ops.ticketing import selectors

    slot = slot_of()
    services.book(request(slot, n=2, seq=1, confirm=True, channel="counter"))
    services.book(request(slot, n=1, seq=5))  # held: still a place taken
    cancelled = services.book(request(slot, n=1, seq=9))
    services.expire_order(cancelled.order_id, now=timezone.now() + dt.timedelta(minutes=30))
    services.book(request(slot, product="entry-cable", seq=11, confirm=True, channel="counter"))  # holds admission
    services.book(request(slot, product="cable", seq=12, confirm=True, channel="counter"))  # no admission
    assert selectors.booked_per_day(slot.date, slot.date) == {slot.date: 4}
    assert selectors.booked_per_day(slot.date + dt.timedelta(days=1), slot.date + dt.timedelta(days=2)) == {}


def test_a_red_visitor_flow_level_stops_todays_sale_and_a_yellow_does_not(tk):
    """Gates push the in-park count past the thresholds; the level it reaches decides the sale."""
    from scenic_ops.core.models import SiteProfile
    from scenic_ops.flow.services import evaluate, record_passages

    SiteProfile.objects.update(max_instant_capacity=1000)
    now = timezone.now()
    today = timezone.localdate(now)
    first = slot_of(0, hour=9)
    booked_at = timezone.make_aware(dt.datetime.combine(today, dt.time(0, 30)))

    record_passages(None, entries=810, at=now - dt.timedelta(minutes=5), now=now)
    evaluate(now=now)  # yellow (81 %)
    booking = services.book(request(first, seq=1, confirm=True, channel="counter"), now=booked_at)
    assert booking.status == "confirmed"

    record_passages(None, entries=150, at=now - dt.timedelta(minutes=4), now=now)
    evaluate(now=now)  # red (96 %): today's sale stops, on every channel
    for channel in ("web", "counter", "staff"):
        with pytest.raises(TicketingError) as err:
            services.book(request(first, seq=2, channel=channel), now=booked_at)
        assert err.value.code == "sales_halted"
    tomorrow = services.book(request(slot_of(1), seq=3, confirm=True, channel="counter"))
    assert tomorrow.status == "confirmed"  # other days still sell


def test_orders_and_tickets_leave_audit_rows(tk, make_user):
    """A booking writes its order's audit row in the same statement; refunds and expiry write one per
    ticket too: who, when, from what to what."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from scenic_ops.core import audit
    from scenic_ops.core.models import AuditEvent
    from scenic_ops.ticketing import lifecycle

    clerk = make_user("ticket_clerk")
    slot = slot_of()
    with audit.acting_as(clerk):
        booking = services.book(request(slot, n=2, confirm=True, channel="counter", payment_method="cash"))
    order = Order.objects.get(pk=booking.order_id)
    created = AuditEvent.objects.get(content_type=ContentType.objects.get_for_model(Order), object_id=str(order.pk))
    assert created.action == "create" and created.actor_id == clerk.pk and created.object_repr == order.number
    assert created.changes["tickets"][1] == [t.code for t in booking.tickets]
    assert created.changes["status"] == [None, "confirmed"] and created.changes["channel"] == [None, "counter"]

    with audit.acting_as(clerk):
        services.refund_tickets(order, [booking.tickets[0].code], reason="visitor asked", now=timezone.now())
    ticket_events = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Ticket))
    refunded = ticket_events.get(object_id=str(booking.tickets[0].id))
    assert refunded.changes == {"status": ["valid", "refunded"]} and refunded.actor_id == clerk.pk
    assert refunded.message == "visitor asked"

    held = services.book(request(slot, seq=40))
    lifecycle.expire_order(held.order_id, now=held.hold_expires_at)
    expired = ticket_events.get(object_id=str(held.tickets[0].id))
    assert expired.changes == {"status": ["held", "expired"]}
    # A failed booking leaves no audit row (the block rolled back all of it).
    before = AuditEvent.objects.count()
    with pytest.raises(TicketingError):
        services.book(request(slot, seq=2, confirm=True, channel="counter"))  # the same visitor again: per-ID limit
    assert AuditEvent.objects.count() == before
