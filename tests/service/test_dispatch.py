"""Resource dispatch: stock never goes negative under concurrent issues, pools never give out more units
than they have, dispatch orders on their workflow, low-stock alerts once, energy anomalies."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from scenic_ops.service import dispatch
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import (
    DispatchOrder,
    EnergyDay,
    EnergyMeter,
    Material,
    ResourcePool,
    ServiceAlert,
    StockMovement,
)
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.errors import WorkflowError
from tests.service.conftest import at


def _race(n: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(n)
    done, refused = [], []

    def run(i):
        try:
            barrier.wait(timeout=10)
            done.append(work(i))
        except ServiceError as exc:
            refused.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - anything else fails the test below
            refused.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return done, refused


@pytest.mark.django_db(transaction=True)
def test_stock_never_goes_negative_under_concurrent_dispatches(roles):
    sandbags = Material.objects.create(code="sandbag", name="沙袋", unit="袋", low_stock_level=Decimal("10"))
    dispatch.receive_stock(sandbags, 100)
    done, refused = _race(12, lambda i: dispatch.issue_stock(sandbags, 15, note=f"team {i}"))
    sandbags.refresh_from_db()
    assert len(done) == 6 and refused == [ServiceCode.STOCK_SHORT] * 6  # 6 × 15 = 90 of 100
    assert sandbags.stock == Decimal("10")
    issues = StockMovement.objects.filter(material=sandbags, kind="issue")
    assert sum(m.quantity for m in issues) == Decimal("-90")
    assert sorted(m.balance_after for m in issues) == [Decimal(b) for b in (10, 25, 40, 55, 70, 85)]
    assert ServiceAlert.objects.filter(kind="low_stock", open_key=f"low_stock:{sandbags.pk}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatch_approvals_never_take_more_crew_or_stock_than_there_is(roles, make_user):
    from scenic_ops.service import setup

    setup.load()
    dispatchers = [make_user("dispatcher") for _ in range(6)]
    requester = make_user("security")
    crew = ResourcePool.objects.create(code="clean", name="保洁班", kind="sanitation", units_total=10)
    soap = Material.objects.create(code="soap", name="消毒液", unit="瓶")
    dispatch.receive_stock(soap, 8)
    orders = [
        dispatch.request_dispatch(
            title=f"厕所保洁 {i}", pool=crew, headcount=3, material=soap, material_quantity=2, requested_by=requester
        )
        for i in range(6)
    ]

    def approve(i):
        return workflow.apply(DispatchOrder.objects.get(pk=orders[i].pk), "approve", dispatchers[i])

    _done, refused = _race(6, lambda i: _approve_or_code(approve, i))
    crew.refresh_from_db()
    soap.refresh_from_db()
    approved = DispatchOrder.objects.filter(state="approved")
    assert approved.count() == 3 and crew.units_busy == 9  # 3 × 3 of 10 units
    assert soap.stock == Decimal("2") and all(o.material_issued for o in approved)
    assert DispatchOrder.objects.filter(state="requested").count() == 3  # refused orders changed nothing
    # completing gives the crew back
    order = approved.first()
    for action in ("depart", "arrive", "complete"):
        workflow.apply(DispatchOrder.objects.get(pk=order.pk), action, dispatchers[0])
    crew.refresh_from_db()
    assert crew.units_busy == 6


def _approve_or_code(approve, i):
    try:
        return approve(i)
    except WorkflowError as exc:
        raise ServiceError(exc.code) from None


def test_a_big_dispatch_needs_the_manager_and_the_requester_cannot_approve(service, make_user):
    dispatcher, manager = make_user("dispatcher"), make_user("manager")
    pool = ResourcePool.objects.create(code="stewards", name="引导员", kind="visitor_service", units_total=40)
    small = dispatch.request_dispatch(title="补充引导员", pool=pool, headcount=5, requested_by=dispatcher)
    with pytest.raises(WorkflowError):
        workflow.apply(small, "approve", dispatcher)  # the requester may not approve it
    order = dispatch.request_dispatch(title="大客流引导", pool=pool, headcount=25, requested_by=dispatcher)
    assert order.state == "requested"
    workflow.apply(order, "approve", make_user("dispatcher"))
    order.refresh_from_db()
    assert order.state == "manager_review" and order.units_taken == 0
    workflow.apply(order, "approve", manager)
    order.refresh_from_db()
    pool.refresh_from_db()
    assert order.state == "approved" and pool.units_busy == 25


def test_bad_quantities_are_refused(service):
    water = Material.objects.create(code="water", name="饮用水", unit="箱")
    for value in (0, -1, "abc", "NaN", True, "1e20"):
        with pytest.raises(ServiceError) as refused:
            dispatch.issue_stock(water, value)
        assert refused.value.code == ServiceCode.INVALID_QUANTITY
    assert not StockMovement.objects.exists()


def test_low_stock_raises_one_alert_and_clears_when_restocked(service, make_user):
    dispatcher = make_user("dispatcher")
    ponchos = Material.objects.create(code="poncho", name="雨衣", unit="件", low_stock_level=Decimal("20"))
    dispatch.receive_stock(ponchos, 50)
    dispatch.issue_stock(ponchos, 35)
    dispatch.issue_stock(ponchos, 5)
    assert ServiceAlert.objects.filter(kind="low_stock").count() == 1
    from scenic_ops.workflow.models import Notification

    assert Notification.objects.filter(recipient=dispatcher, event="service_low_stock").count() == 1
    dispatch.receive_stock(ponchos, 100)
    alert = ServiceAlert.objects.get(kind="low_stock")
    assert alert.cleared_at is not None and alert.open_key is None


def test_daily_energy_use_and_an_anomaly(service):
    meter = EnergyMeter.objects.create(code="visitor-centre", name="游客中心电表", anomaly_percent=50)
    value = Decimal("1000")
    start = dt.date(2026, 5, 1)
    for offset in range(8):
        day = start + dt.timedelta(days=offset)
        used = Decimal("300") if offset == 7 else Decimal("100")
        value += used
        assert dispatch.record_reading(meter, timezone.make_aware(dt.datetime.combine(day, dt.time(23, 50))), value)
    assert not dispatch.record_reading(meter, at("2026-05-08 23:50"), value)  # a repeat is ignored
    dispatch.record_reading(meter, at("2026-04-30 23:50"), Decimal("1000"))
    for offset in range(8):
        dispatch.compute_day(start + dt.timedelta(days=offset), now=at("2026-05-09 01:00"))
    days = {d.day: d for d in EnergyDay.objects.filter(meter=meter)}
    assert days[start].consumption == Decimal("100") and not days[start].anomaly
    last = days[start + dt.timedelta(days=7)]
    assert last.consumption == Decimal("300") and last.baseline == Decimal("100") and last.anomaly
    assert ServiceAlert.objects.filter(kind="energy_anomaly").count() == 1
    for bad in ("abc", "-5"):
        with pytest.raises(ServiceError):
            dispatch.record_reading(meter, at("2026-05-09 10:00"), bad)
