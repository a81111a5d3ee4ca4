import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from scenic_ops.core import scheduling
from scenic_ops.core.services import site_profile
from scenic_ops.ticketing import capacity, catalog, inventory, remaining, selectors, services
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Bucket, Order, PriceCategory, SaleDay
from tests.ticketing.conftest import assert_consistent, request, slot_of


def test_setup_and_demo_are_idempotent(db, roles):
    from scenic_ops.core import demo as core_demo
    from scenic_ops.ticketing import demo, setup

    out = io.StringIO()
    core_demo.build(out)
    setup.load(out)
    setup.load(out)
    assert PriceCategory.objects.filter(code__in=["adult", "senior", "student", "group"]).count() == 4
    demo.build(out)
    orders = Order.objects.count()
    assert orders > 20
    demo.build(out)
    assert Order.objects.count() == orders
    assert Bucket.objects.filter(kind="allotment").exists()
    assert_consistent()


def test_day_capacity_follows_the_site_profile_and_overrides(tk):
    profile = site_profile()
    profile.max_daily_capacity = 30000
    profile.open_ratio_percent = 75
    profile.save()
    day = timezone.localdate() + dt.timedelta(days=4)
    capacity.sync_days([day])
    assert Bucket.objects.get(kind="day", date=day).capacity == 22500
    SaleDay.objects.create(date=day, capacity_override=100)
    capacity.sync_days([day])
    assert Bucket.objects.get(kind="day", date=day).capacity == 100
    slot = slot_of(4)
    services.book(request(slot, n=3, confirm=True, channel="counter"))
    SaleDay.objects.filter(date=day).update(capacity_override=1)
    capacity.sync_days([day])  # never below what is sold: clamped
    assert Bucket.objects.get(kind="day", date=day).capacity == 3
    with pytest.raises(TicketingError) as err:
        capacity.change_bucket(Bucket.objects.get(kind="slot", slot=slot), capacity=2)
    assert err.value.code == "capacity_below_sold"


def test_holiday_and_peak_prices(tk):
    from scenic_ops.core import calendar
    from scenic_ops.core.models import CalendarDay

    slot = slot_of(5)
    CalendarDay.objects.create(date=slot.date, kind="holiday", name="测试节")
    calendar.invalidate()
    assert services.book(request(slot, seq=1)).total == Decimal("120")
    SaleDay.objects.create(date=slot.date, peak=True)
    inventory.invalidate_layout(slot.date)
    # no peak price: falls back to the holiday price
    assert services.book(request(slot, seq=2)).total == Decimal("120")
    assert catalog.day_type(slot.date, peak=True) == "peak"


def test_allotment_release_and_return_after_release(tk):
    slot = slot_of(2)
    allotment = capacity.create_allotment(slot, "agency", 10, release_at=timezone.now() - dt.timedelta(minutes=1))
    slot_bucket = Bucket.objects.get(slot=slot, kind="slot")
    assert slot_bucket.reserved == 10
    group = services.book(request(slot, n=4, channel="agency", category="group", confirm=True))
    allotment.refresh_from_db()
    slot_bucket.refresh_from_db()
    assert allotment.used == 4 and slot_bucket.reserved == 6 and slot_bucket.used == 4
    assert capacity.release_due_allotments() == 6
    assert capacity.release_due_allotments() == 0  # once
    slot_bucket.refresh_from_db()
    allotment.refresh_from_db()
    assert slot_bucket.reserved == 0 and allotment.capacity == 4
    order = Order.objects.get(number=group.number)
    services.refund_tickets(order, [group.tickets[0].code], force=True)
    slot_bucket.refresh_from_db()
    allotment.refresh_from_db()
    assert slot_bucket.used == 3 and slot_bucket.reserved == 0  # the place went back to everyone
    assert allotment.used == 3 and allotment.capacity == 3
    assert_consistent()


def test_the_view_never_shows_more_than_remains(tk, django_capture_on_commit_callbacks):
    slot = slot_of()
    day = inventory.layout(slot.date)
    before = selectors.availability(slot.date)
    left = next(s["remaining"] for s in before["slots"] if s["id"] == slot.id)
    # A booking announces its places before its transaction: the view drops at once.
    pending = remaining.pend(slot.date, [inventory.Take(slot_id_bucket(slot), 5), inventory.Take(day.day_bucket, 5)])
    during = selectors.availability(slot.date)
    assert next(s["remaining"] for s in during["slots"] if s["id"] == slot.id) == left - 5
    remaining.publish(None, pending=pending)  # rolled back: the places come back
    assert next(s["remaining"] for s in selectors.availability(slot.date)["slots"] if s["id"] == slot.id) == left
    with django_capture_on_commit_callbacks(execute=True):  # the test's transaction never commits
        services.book(request(slot, n=2, confirm=True, channel="counter"))
    assert next(s["remaining"] for s in selectors.availability(slot.date)["slots"] if s["id"] == slot.id) == left - 2
    remaining.forget(slot.date)  # a cold view is rebuilt from MariaDB
    assert next(s["remaining"] for s in selectors.availability(slot.date)["slots"] if s["id"] == slot.id) == left - 2
    with django_capture_on_commit_callbacks(execute=True):
        capacity.set_slot_closed(slot, True)
    closed = next(s for s in selectors.availability(slot.date)["slots"] if s["id"] == slot.id)
    assert closed["status"] == "closed" and closed["remaining"] == 0


def slot_id_bucket(slot):
    return Bucket.objects.get(slot=slot, kind="slot").id


def test_scheduled_jobs_are_registered_and_run(tk):
    names = set(scheduling.registry())
    assert {"ticketing_expire_holds", "ticketing_generate_slots", "ticketing_release_allotments"} <= names
    slot = slot_of()
    booking = services.book(request(slot, n=2))
    later = timezone.now() + dt.timedelta(hours=1)
    assert scheduling.get("ticketing_expire_holds").func(now=later) == 1
    assert Order.objects.get(pk=booking.order_id).status == "expired"
    result = scheduling.get("ticketing_generate_slots").func(now=timezone.now())
    assert result["slots"] >= 0
    assert_consistent()


def test_desk_permissions_match_the_matrix(make_user):
    """Like tests/core/test_roles.py, for the ticketing desk only."""
    from django.contrib import admin
    from django.test import Client
    from django.urls import reverse

    from scenic_ops.core.roles import load_matrix

    matrix = load_matrix()
    for role in ["manager", "ticket_clerk", "finance", "gate_checker", "service_agent", "engineer"]:
        client = Client()
        client.force_login(make_user(role))
        for model in admin.site._registry:
            if model._meta.app_label != "ticketing":
                continue
            letters = matrix.models.get(f"ticketing.{model._meta.model_name}", {}).get(role, "")
            url = reverse(f"admin:ticketing_{model._meta.model_name}_changelist")
            assert client.get(url).status_code == (200 if "v" in letters else 403), (role, url)
