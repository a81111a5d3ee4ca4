"""Resource dispatch: dispatch orders on the dispatch workflow, pool units, material stock, energy.

Scarce things change only by conditional UPDATEs (`units_busy + n <= units_total`,
`stock >= n`), so no concurrency can take more units or material than there are; the
database's CHECK constraints back this up. A dispatch order takes its units and issues its
material when it is approved, and gives the units back when it is completed or declined.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.service.common import choice, clean_text, new_code, users_of_roles, zone_of
from scenic_ops.service.errors import MESSAGES, ServiceCode, ServiceError
from scenic_ops.service.models import (
    DispatchOrder,
    EnergyDay,
    EnergyMeter,
    Material,
    MeterReading,
    ResourcePool,
    ServiceAlert,
    StockMovement,
)
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.errors import WorkflowError

MAX_QUANTITY = Decimal("1000000000")
ALERT_ROLES = ["dispatcher", "manager"]


def quantity(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ServiceError(ServiceCode.INVALID_QUANTITY)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(ServiceCode.INVALID_QUANTITY) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_QUANTITY:
        raise ServiceError(ServiceCode.INVALID_QUANTITY)
    return amount.quantize(Decimal("0.01"))


# --- dispatch orders --------------------------------------------------------------------


def request_dispatch(
    *,
    title: Any,
    pool: ResourcePool | None = None,
    headcount: int = 1,
    zone: Any = None,
    priority: str = DispatchOrder.Priority.NORMAL,
    reason: Any = "",
    requested_by: User | None = None,
    material: Material | None = None,
    material_quantity: Any = 0,
    source: str = DispatchOrder.Source.STAFF,
    trigger_key: str | None = None,
    incident=None,
    now: dt.datetime | None = None,
) -> DispatchOrder:
    """Create a dispatch order and put it on the dispatch workflow. Idempotent per `trigger_key`."""
    now = now or timezone.now()
    if trigger_key:
        existing = DispatchOrder.objects.filter(trigger_key=trigger_key[:190]).first()
        if existing is not None:
            return existing
    text = clean_text(title)[:160]
    if not text:
        raise ServiceError(ServiceCode.TEXT_MISSING)
    try:
        units = int(headcount)
    except (TypeError, ValueError):
        raise ServiceError(ServiceCode.INVALID_QUANTITY) from None
    if units < 0 or units > 10000:
        raise ServiceError(ServiceCode.INVALID_QUANTITY)
    amount = quantity(material_quantity) if material is not None else Decimal("0")
    priority = choice(priority, DispatchOrder.Priority, _("priority"), DispatchOrder.Priority.NORMAL)
    try:
        with transaction.atomic():
            order = DispatchOrder.objects.create(
                code=new_code("DD", DispatchOrder, now=now),
                title=text,
                pool=pool,
                headcount=units,
                material=material,
                material_quantity=amount,
                priority=priority,
                zone=zone_of(zone),
                reason=clean_text(reason)[:2000],
                source=source,
                trigger_key=trigger_key[:190] if trigger_key else None,
                incident=incident,
                requested_by=requested_by if getattr(requested_by, "pk", None) else None,
                requested_at=now,
            )
            workflow.start(order, requested_by, now=now)
    except IntegrityError:
        if trigger_key:
            return DispatchOrder.objects.get(trigger_key=trigger_key[:190])
        raise
    order.refresh_from_db()
    return order


def _refuse(code: ServiceCode, **context: Any) -> WorkflowError:
    return WorkflowError(code, detail=MESSAGES[code], **context)


def take_units(pool: ResourcePool, units: int) -> bool:
    if units <= 0:
        return True
    return bool(
        ResourcePool.objects.filter(pk=pool.pk, units_busy__lte=F("units_total") - units).update(
            units_busy=F("units_busy") + units
        )
    )


def release_units(pool: ResourcePool, units: int) -> None:
    if units > 0:
        ResourcePool.objects.filter(pk=pool.pk, units_busy__gte=units).update(units_busy=F("units_busy") - units)


def on_workflow_event(event) -> None:
    """Approval takes the pool's units and issues the material (or refuses); the end gives units back."""
    order: DispatchOrder = event.document
    if event.name != "state_entered":
        return
    now = event.now
    fresh = DispatchOrder.objects.select_related("pool", "material").get(pk=order.pk)
    actor = event.actor if getattr(event.actor, "pk", None) else None
    if event.to_state == "approved":
        if fresh.pool_id and fresh.headcount and not fresh.units_taken:
            if not take_units(fresh.pool, fresh.headcount):
                fresh.pool.refresh_from_db()
                raise _refuse(
                    ServiceCode.POOL_EXHAUSTED, pool=str(fresh.pool), free=fresh.pool.units_free, needed=fresh.headcount
                )
            fresh.units_taken = fresh.headcount
        if fresh.material_id and fresh.material_quantity and not fresh.material_issued:
            try:
                issue_stock(
                    fresh.material,
                    fresh.material_quantity,
                    by=actor,
                    dispatch_order=fresh,
                    note=fresh.code,
                    dedupe_key=f"dispatch:{fresh.pk}:issue",
                    now=now,
                )
            except ServiceError as exc:
                raise WorkflowError(exc.code, detail=exc.detail) from None
            fresh.material_issued = True
        DispatchOrder.objects.filter(pk=fresh.pk).update(
            units_taken=fresh.units_taken, material_issued=fresh.material_issued, approved_at=now, updated_at=now
        )
        if fresh.incident_id:
            from scenic_ops.service import incidents

            incidents.log(
                fresh.incident, "dispatch", _("Dispatch approved: %(order)s") % {"order": fresh}, user=actor, now=now
            )
    elif event.to_state in ("completed", "declined"):
        if fresh.pool_id and fresh.units_taken:
            release_units(fresh.pool, fresh.units_taken)
        DispatchOrder.objects.filter(pk=fresh.pk).update(
            units_taken=0, completed_at=now if event.to_state == "completed" else None, updated_at=now
        )


# --- material stock --------------------------------------------------------------------


def _move(material, kind, delta, *, by, dispatch_order=None, note="", dedupe_key=None, now) -> StockMovement:
    material.refresh_from_db(fields=["stock"])
    move = StockMovement.objects.create(
        material=material,
        kind=kind,
        quantity=delta,
        balance_after=material.stock,
        at=now,
        by=by if getattr(by, "pk", None) else None,
        dispatch_order=dispatch_order,
        note=clean_text(note)[:200],
        dedupe_key=dedupe_key,
    )
    check_low_stock(material, now=now)
    return move


def _already(dedupe_key: str | None) -> StockMovement | None:
    return StockMovement.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key else None


def receive_stock(
    material: Material, amount: Any, *, by=None, note: str = "", dedupe_key: str | None = None, now=None
) -> StockMovement:
    now = now or timezone.now()
    amount = quantity(amount)
    with transaction.atomic():
        done = _already(dedupe_key)
        if done is not None:
            return done
        Material.objects.filter(pk=material.pk).update(stock=F("stock") + amount, updated_at=now)
        return _move(material, StockMovement.Kind.RECEIPT, amount, by=by, note=note, dedupe_key=dedupe_key, now=now)


def issue_stock(
    material: Material,
    amount: Any,
    *,
    by=None,
    dispatch_order: DispatchOrder | None = None,
    note: str = "",
    dedupe_key: str | None = None,
    now=None,
) -> StockMovement:
    """Take material out of stock, or refuse: one conditional UPDATE, so stock never goes below zero."""
    now = now or timezone.now()
    amount = quantity(amount)
    with transaction.atomic():
        done = _already(dedupe_key)
        if done is not None:
            return done
        taken = Material.objects.filter(pk=material.pk, stock__gte=amount).update(
            stock=F("stock") - amount, updated_at=now
        )
        if not taken:
            material.refresh_from_db(fields=["stock"])
            raise ServiceError(
                ServiceCode.STOCK_SHORT,
                status=409,
                stock=f"{material.stock.normalize():f}",
                unit=material.unit,
                material=str(material),
                needed=f"{amount.normalize():f}",
            )
        return _move(
            material,
            StockMovement.Kind.ISSUE,
            -amount,
            by=by,
            dispatch_order=dispatch_order,
            note=note,
            dedupe_key=dedupe_key,
            now=now,
        )


def count_stock(material: Material, counted: Any, *, by=None, note: str = "", now=None) -> StockMovement | None:
    """A stock-take: set the stock to what was counted, recording the difference."""
    now = now or timezone.now()
    try:
        value = Decimal(str(counted).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(ServiceCode.INVALID_QUANTITY) from None
    if not value.is_finite() or value < 0 or value > MAX_QUANTITY:
        raise ServiceError(ServiceCode.INVALID_QUANTITY)
    value = value.quantize(Decimal("0.01"))
    with transaction.atomic():
        current = Material.objects.select_for_update().get(pk=material.pk)
        delta = value - current.stock
        if not delta:
            return None
        Material.objects.filter(pk=material.pk).update(stock=value, updated_at=now)
        return _move(material, StockMovement.Kind.ADJUST, delta, by=by, note=note, now=now)


def check_low_stock(material: Material, *, now=None) -> ServiceAlert | None:
    """Raise one alert when stock falls to its low-stock level; clear it when stock is back above."""
    now = now or timezone.now()
    material.refresh_from_db(fields=["stock", "low_stock_level", "name", "name_en", "unit"])
    key = f"low_stock:{material.pk}"
    if material.low_stock_level and material.stock <= material.low_stock_level:
        alert, created = _open_alert(
            key,
            ServiceAlert.Kind.LOW_STOCK,
            _("Low stock: %(material)s") % {"material": material},
            _("%(stock)s %(unit)s left (low-stock level %(level)s).")
            % {
                "stock": f"{material.stock.normalize():f}",
                "unit": material.unit,
                "level": f"{material.low_stock_level.normalize():f}",
            },
            {"material": material.code, "stock": str(material.stock)},
            now=now,
        )
        if created:
            _tell(ALERT_ROLES, alert, link=f"/admin/service/material/{material.pk}/change/")
        return alert
    ServiceAlert.objects.filter(open_key=key).update(open_key=None, cleared_at=now)
    return None


def _open_alert(key: str, kind: str, subject: str, detail: str, data: dict, *, now) -> tuple[ServiceAlert, bool]:
    existing = ServiceAlert.objects.filter(open_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                ServiceAlert.objects.create(
                    kind=kind, open_key=key, subject=subject[:200], detail=detail, data=data, raised_at=now
                ),
                True,
            )
    except IntegrityError:
        return ServiceAlert.objects.get(open_key=key), False


def _tell(roles: list[str], alert: ServiceAlert, *, link: str) -> int:
    from scenic_ops.workflow.services.notifications import notify_in_app

    users = list(users_of_roles(roles))
    for user in users:
        notify_in_app(
            user,
            alert.subject,
            alert.detail,
            event=f"service_{alert.kind}",
            link=link,
            dedupe_key=f"service:alert:{alert.pk}:{user.pk}",
        )
    return len(users)


# --- energy -----------------------------------------------------------------------------


def record_reading(meter: EnergyMeter | str, at: Any, value: Any, *, now=None) -> bool:
    """Store a cumulative reading (idempotent per meter and time). Returns False for a repeat."""
    now = now or timezone.now()
    if isinstance(meter, str):
        found = EnergyMeter.objects.filter(code=meter).first()
        if found is None:
            raise ServiceError(ServiceCode.UNKNOWN_METER, value=meter[:40])
        meter = found
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at)
        except ValueError:
            raise ServiceError(ServiceCode.READING_INVALID, reason=_("the time is not ISO 8601")) from None
    if not isinstance(at, dt.datetime):
        raise ServiceError(ServiceCode.READING_INVALID, reason=_("the time is missing"))
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=5):
        raise ServiceError(ServiceCode.READING_INVALID, reason=_("the time is in the future"))
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ServiceError(ServiceCode.READING_INVALID, reason=_("the value is not a number")) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        raise ServiceError(ServiceCode.READING_INVALID, reason=_("the value is out of range"))
    try:
        with transaction.atomic():
            MeterReading.objects.create(meter=meter, at=at, value=number.quantize(Decimal("0.01")))
    except IntegrityError:
        return False
    return True


def _register_at(meter: EnergyMeter, moment: dt.datetime) -> Decimal | None:
    return (
        MeterReading.objects.filter(meter=meter, at__lte=moment).order_by("-at").values_list("value", flat=True).first()
    )


def compute_day(day: dt.date, *, now=None) -> int:
    """Each meter's consumption on `day` (register at the end of the day − at the end of the day before),
    compared with the median of the 14 days before; a large difference raises an anomaly alert."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), tz)
    start = end - dt.timedelta(days=1)
    done = 0
    for meter in EnergyMeter.objects.filter(active=True):
        closing, opening = _register_at(meter, end), _register_at(meter, start)
        if closing is None or opening is None:
            continue
        used = max(Decimal("0"), closing - opening)
        history = list(
            EnergyDay.objects.filter(meter=meter, day__lt=day, day__gte=day - dt.timedelta(days=14)).values_list(
                "consumption", flat=True
            )
        )
        baseline = Decimal(str(statistics.median(history))).quantize(Decimal("0.01")) if len(history) >= 3 else None
        anomaly = bool(
            baseline is not None and baseline > 0 and abs(used - baseline) * 100 / baseline > meter.anomaly_percent
        )
        EnergyDay.objects.update_or_create(
            meter=meter, day=day, defaults={"consumption": used, "baseline": baseline, "anomaly": anomaly}
        )
        done += 1
        if anomaly:
            alert, created = _open_alert(
                f"energy:{meter.pk}:{day.isoformat()}",
                ServiceAlert.Kind.ENERGY_ANOMALY,
                _("Unusual energy use: %(meter)s on %(day)s") % {"meter": meter, "day": day.isoformat()},
                _("%(used)s %(unit)s used; usually %(baseline)s %(unit)s.")
                % {"used": used, "unit": meter.unit, "baseline": baseline},
                {"meter": meter.code, "day": day.isoformat(), "used": str(used), "baseline": str(baseline)},
                now=now,
            )
            if created:
                _tell(["dispatcher", "engineer"], alert, link="/admin/service/energyboard/")
    return done
