"""Concurrency: real threads, one database connection each, against real MariaDB and Redis."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from scenic_ops.ticketing import capacity, payments, services
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Bucket, Order, Refund, Ticket
from tests.ticketing.conftest import assert_consistent, request, slot_of, valid_id


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def run_in_threads(fn, items, *, threads: int) -> None:
    """Call fn(item) for every item from `threads` threads, each with its own database connection."""
    queue = list(items)
    lock = threading.Lock()
    errors = []

    def worker():
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    item = queue.pop()
                try:
                    fn(item)
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors[:3]


@pytest.mark.django_db(transaction=True)
def test_1000_attempts_for_200_places_sell_exactly_200(tk):
    slot = slot_of()
    # 200 places: 20 of them kept for the counter (offline allotment), the rest public.
    capacity.create_allotment(slot, "offline", 20, release_at=slot.starts_at)
    outcomes = {"ok": 0, "sold_out": 0, "other": []}
    lock = threading.Lock()

    def attempt(i):
        channel = "counter" if i % 10 == 0 else ("partner" if i % 3 else "web")
        try:
            services.book(request(slot, seq=1000 + i, channel=channel, confirm=channel != "web"))
            key = "ok"
        except TicketingError as exc:
            key = "sold_out" if exc.code == "sold_out" else None
            if key is None:
                with lock:
                    outcomes["other"].append(exc.code)
                return
        with lock:
            outcomes[key] += 1

    run_in_threads(attempt, range(1000), threads=16)
    assert outcomes["other"] == []
    assert outcomes["ok"] == 200 and outcomes["sold_out"] == 800
    assert Ticket.objects.filter(slot=slot).count() == 200
    buckets = {b.kind: b for b in Bucket.objects.filter(slot=slot)}
    assert buckets["slot"].used + buckets["slot"].reserved == 200 == buckets["slot"].capacity
    assert buckets["allotment"].used == 20  # the counter sold its quota, then from the public pool
    assert_consistent()


@pytest.mark.django_db(transaction=True)
def test_payment_racing_expiry_returns_places_exactly_once(tk):
    slot = slot_of()
    provider = payments.PROVIDERS["sandbox"]
    later = timezone.now() + dt.timedelta(minutes=30)
    results = []
    for i in range(25):
        booking = services.book(request(slot, seq=300 + 2 * i, n=2))
        order = Order.objects.get(pk=booking.order_id)
        payment = payments.start_payment(order)
        body, headers = provider.notification(payment)
        barrier = threading.Barrier(2)

        @_in_thread
        def expire(order_id=order.id, barrier=barrier):
            barrier.wait()
            return services.expire_order(order_id, now=later)

        @_in_thread
        def pay(body=body, headers=headers, barrier=barrier):
            barrier.wait()
            return services.handle_notification("sandbox", body, headers)

        with ThreadPoolExecutor(max_workers=2) as pool:
            expiring, paying = pool.submit(expire), pool.submit(pay)
            expired, outcome = expiring.result(timeout=60), paying.result(timeout=60)
        results.append((expired, outcome))
        order.refresh_from_db()
        assert order.status == "confirmed"  # the payment won, or revived the expired hold
        assert outcome in ("confirmed", "revived")
        assert_consistent()
    assert Ticket.objects.filter(slot=slot, status="valid").count() == 50
    assert Bucket.objects.get(slot=slot, kind="slot").used == 50


@pytest.mark.django_db(transaction=True)
def test_late_payment_when_places_are_gone_is_refunded(tk):
    slot = slot_of()
    capacity.change_bucket(Bucket.objects.get(slot=slot, kind="slot"), capacity=2)
    booking = services.book(request(slot, seq=500, n=2))
    order = Order.objects.get(pk=booking.order_id)
    payment = payments.start_payment(order)
    assert services.expire_order(order.id, now=timezone.now() + dt.timedelta(hours=1))
    services.book(request(slot, seq=600, n=2, confirm=True, channel="counter"))  # places taken meanwhile
    body, headers = payments.PROVIDERS["sandbox"].notification(payment)
    assert services.handle_notification("sandbox", body, headers) == "refund_needed"
    order.refresh_from_db()
    assert order.status == "expired"
    refund = Refund.objects.get(order=order)
    assert refund.amount == payment.amount
    assert payments.process_refund(refund.pk) == "succeeded"
    assert_consistent()


@pytest.mark.django_db(transaction=True)
def test_per_id_limit_holds_across_channels_under_concurrency(tk):
    from scenic_ops.ticketing.services import BookingRequest, ItemIn, VisitorIn

    same_id = valid_id(4242)
    slots = [slot_of(1, h) for h in (9, 10, 11, 12)]
    ok, refused = [], []

    def attempt(i):
        channel = ["web", "partner", "counter", "staff", "agency"][i % 5]
        category = "group" if channel == "agency" else "adult"
        req = BookingRequest(
            slots[i % 4].id,
            [ItemIn("entry", category, [VisitorIn("同一人", "resident", same_id)])],
            channel=channel,
            confirm=channel != "web",
        )
        try:
            services.book(req)
            ok.append(channel)
        except TicketingError as exc:
            refused.append(exc.code)

    run_in_threads(attempt, range(40), threads=10)
    assert set(refused) == {"id_limit_reached"} and len(refused) == 39
    assert len(ok) == 1
    assert Ticket.objects.filter(status__in=["valid", "held"]).count() == 1
    assert_consistent()
