"""Device reports: heartbeats, status, metrics and fault codes, batched, in the device's own time.

Every record of a message is checked before anything is stored; one bad record rejects the
message with a stable code naming the record (nothing half-saved). Records must come in
time order: a record older than the device's newest accepted one is refused
(`ops_out_of_order`) unless it is an exact repeat of a stored record, which is ignored, so
a device may safely resend a message whose answer it did not get. Messages of one device
are serialised by a row lock on the device. After storing, the alarm rules run in record
order and a device that was offline is back online (its offline alarm clears).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.models import AlarmRule, Device, TelemetryRecord
from scenic_ops.operations.services import alarms
from scenic_ops.operations.services.common import plain

MAX_RECORDS = 500
MAX_AGE = dt.timedelta(days=7)
CLOCK_SKEW = dt.timedelta(minutes=2)
NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")
Kind = TelemetryRecord.Kind


@dataclass
class Record:
    index: int
    at: dt.datetime
    kind: str
    name: str = ""
    value: Decimal | None = None
    text: str = ""

    @property
    def identity(self) -> tuple:
        return (self.at, self.kind, self.name)


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    alarms_raised: list[int] = field(default_factory=list)
    alarms_cleared: int = 0

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "alarms_raised": self.alarms_raised,
            "alarms_cleared": self.alarms_cleared,
        }


def device_for(code, key=None) -> Device:
    """The device a message names; the API key must be the device's own (or carry ops:telemetry_any)."""
    code = str(code or "")[:40]
    device = Device.objects.select_related("asset", "asset__category").filter(code=code).first()
    if device is None:
        raise OpsError(OpsCode.UNKNOWN_DEVICE, device=code)
    if key is not None and device.api_key_id != key.pk and "ops:telemetry_any" not in (key.scopes or []):
        raise OpsError(OpsCode.DEVICE_KEY_MISMATCH, device=device.code)
    if not device.active:
        raise OpsError(OpsCode.DEVICE_INACTIVE, device=device.code)
    return device


def _bad(index: int, reason: str) -> OpsError:
    return OpsError(OpsCode.INVALID_RECORD, index=index, reason=reason)


def _time(raw, index: int, now: dt.datetime) -> dt.datetime:
    if isinstance(raw, str):
        try:
            raw = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raw = None
    if not isinstance(raw, dt.datetime) or timezone.is_naive(raw):
        raise OpsError(OpsCode.INVALID_TIMESTAMP, index=index)
    if raw > now + CLOCK_SKEW:
        raise OpsError(OpsCode.FUTURE_TIMESTAMP, index=index, at=raw.isoformat())
    if raw < now - MAX_AGE:
        raise OpsError(OpsCode.TIMESTAMP_TOO_OLD, index=index, at=raw.isoformat(), days=MAX_AGE.days)
    return raw


def _name(raw, index: int, what: str) -> str:
    if not isinstance(raw, str) or not NAME.match(raw):
        raise _bad(index, _("%(what)s must be 1 to 40 letters, digits or _.:-") % {"what": what})
    return raw


def _number(raw, index: int) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _bad(index, _("value must be a number"))
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise _bad(index, _("value must be a number")) from None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        raise _bad(index, _("value must be a finite number below 10 billion"))
    return value.quantize(Decimal("0.0001"))


def _record(raw, index: int, now: dt.datetime) -> Record:
    if not isinstance(raw, dict):
        raise _bad(index, _("each record must be an object"))
    kind = raw.get("type")
    if kind not in Kind.values:
        raise _bad(index, _("type must be one of %(types)s") % {"types": ", ".join(Kind.values)})
    at = _time(raw.get("at"), index, now)
    if kind == Kind.HEARTBEAT:
        return Record(index, at, kind)
    if kind == Kind.STATUS:
        return Record(index, at, kind, name=_name(raw.get("status"), index, "status"))
    if kind == Kind.METRIC:
        return Record(
            index, at, kind, name=_name(raw.get("name"), index, "name"), value=_number(raw.get("value"), index)
        )
    text = raw.get("message", "")
    if not isinstance(text, str):
        raise _bad(index, _("message must be text"))
    return Record(index, at, kind, name=_name(raw.get("code"), index, "code"), text=text[:200])


def parse(records, now: dt.datetime) -> list[Record]:
    """Check every record; raise one error naming each bad one, so nothing is stored."""
    if not isinstance(records, list) or not records:
        raise OpsError(OpsCode.NO_RECORDS)
    if len(records) > MAX_RECORDS:
        raise OpsError(OpsCode.TOO_MANY_RECORDS, limit=MAX_RECORDS)
    parsed: list[Record] = []
    problems: list[dict] = []
    for index, raw in enumerate(records):
        try:
            parsed.append(_record(raw, index, now))
        except OpsError as exc:
            problems.append({"index": index, "code": exc.code, "detail": exc.detail})
    if problems:
        first = problems[0]
        raise OpsError(first["code"], first["detail"], rows=problems)
    for previous, record in zip(parsed, parsed[1:], strict=False):
        if record.at < previous.at:
            raise OpsError(
                OpsCode.OUT_OF_ORDER, index=record.index, at=record.at.isoformat(), newest=previous.at.isoformat()
            )
    return parsed


def ingest(device: Device, records, *, now: dt.datetime | None = None) -> IngestResult:
    """Store a device's message and run the alarm rules (see the module docstring)."""
    now = now or timezone.now()
    parsed = parse(records, now)
    result = IngestResult()
    with transaction.atomic():
        device = Device.objects.select_for_update().select_related("asset", "asset__category").get(pk=device.pk)
        newest = device.last_device_at
        stored: set[tuple] = set()
        if newest is not None and parsed[0].at <= newest:
            stored = set(
                TelemetryRecord.objects.filter(device=device, at__gte=parsed[0].at, at__lte=newest).values_list(
                    "at", "kind", "name"
                )
            )
        fresh: list[Record] = []
        for record in parsed:
            if record.identity in stored:
                result.duplicates += 1
                continue
            if newest is not None and record.at < newest:
                raise OpsError(
                    OpsCode.OUT_OF_ORDER, index=record.index, at=record.at.isoformat(), newest=newest.isoformat()
                )
            if record.identity in {r.identity for r in fresh}:
                result.duplicates += 1
                continue
            fresh.append(record)
        TelemetryRecord.objects.bulk_create(
            [
                TelemetryRecord(
                    device=device, at=r.at, kind=r.kind, name=r.name, value=r.value, text=r.text, received_at=now
                )
                for r in fresh
            ]
        )
        result.accepted = len(fresh)
        rules = {
            kind: alarms.rules_for(device, kind)
            for kind in (AlarmRule.Kind.FAULT, AlarmRule.Kind.METRIC, AlarmRule.Kind.STATUS)
        }
        metrics = dict(device.metrics or {})
        status = device.status
        for record in fresh:
            if record.kind == Kind.METRIC:
                metrics[record.name] = {"value": float(record.value), "at": record.at.isoformat()}
            elif record.kind == Kind.STATUS:
                status = record.name
            _evaluate(device, record, now, result, rules)
        latest = max((r.at for r in fresh), default=newest)
        Device.objects.filter(pk=device.pk).update(
            online=True, status=status, metrics=metrics, last_seen_at=now, last_device_at=latest
        )
        if alarms.clear_cause(device, "offline", reason=_("the device reported again"), at=parsed[-1].at, now=now):
            result.alarms_cleared += 1
    return result


def _evaluate(device: Device, record: Record, now: dt.datetime, result: IngestResult, rules: dict) -> None:
    asset = device.asset
    if record.kind == Kind.FAULT:
        rules = [r for r in rules[AlarmRule.Kind.FAULT] if not r.fault_codes or record.name in r.fault_codes]
        title = _("%(device)s reports fault %(code)s") % {"device": device.name, "code": record.name}
        if record.text:
            title = f"{title}: {record.text}"
        alarm, created = alarms.raise_alarm(
            asset=asset,
            device=device,
            cause=f"fault:{record.name}",
            kind=AlarmRule.Kind.FAULT,
            title=title,
            rule=rules[0] if rules else None,
            at=record.at,
            now=now,
        )
        if created:
            result.alarms_raised.append(alarm.pk)
    elif record.kind == Kind.FAULT_CLEARED:
        if alarms.clear_cause(
            device, f"fault:{record.name}", reason=_("the device cleared the fault"), at=record.at, now=now
        ):
            result.alarms_cleared += 1
    elif record.kind == Kind.METRIC:
        for rule in rules[AlarmRule.Kind.METRIC]:
            if rule.metric != record.name or rule.threshold is None:
                continue
            _metric_rule(device, rule, record, now, result)
    elif record.kind == Kind.STATUS:
        for rule in rules[AlarmRule.Kind.STATUS]:
            cause = f"status:{rule.pk}"
            if record.name in (rule.statuses or []):
                alarm, created = alarms.raise_alarm(
                    asset=asset,
                    device=device,
                    cause=cause,
                    kind=AlarmRule.Kind.STATUS,
                    title=_("%(device)s reports %(status)s") % {"device": device.name, "status": record.name},
                    rule=rule,
                    at=record.at,
                    now=now,
                )
                if created:
                    result.alarms_raised.append(alarm.pk)
            elif alarms.clear_cause(
                device, cause, reason=_("status back to %(s)s") % {"s": record.name}, at=record.at, now=now
            ):
                result.alarms_cleared += 1


def _metric_rule(device: Device, rule: AlarmRule, record: Record, now: dt.datetime, result: IngestResult) -> None:
    value, threshold = record.value, rule.threshold
    clear_at = rule.clear_threshold if rule.clear_threshold is not None else threshold
    above = rule.operator == AlarmRule.Operator.ABOVE
    breached = value > threshold if above else value < threshold
    recovered = value <= clear_at if above else value >= clear_at
    cause = f"metric:{rule.pk}"
    if breached:
        alarm, created = alarms.raise_alarm(
            asset=device.asset,
            device=device,
            cause=cause,
            kind=AlarmRule.Kind.METRIC,
            title=_("%(device)s: %(metric)s %(value)s (limit %(limit)s)")
            % {
                "device": device.name,
                "metric": rule.metric,
                "value": plain(value),
                "limit": plain(threshold),
            },
            rule=rule,
            value=value,
            at=record.at,
            now=now,
        )
        if created:
            result.alarms_raised.append(alarm.pk)
    elif recovered and alarms.clear_cause(
        device,
        cause,
        reason=_("%(metric)s back to %(value)s") % {"metric": rule.metric, "value": plain(value)},
        at=record.at,
        now=now,
    ):
        result.alarms_cleared += 1


def issue_key(device: Device) -> str:
    """Give the device a fresh API key (scope ops:telemetry); the old one stops working. Returns the secret."""
    from scenic_ops.core import apikeys

    with transaction.atomic():
        if device.api_key is not None:
            apikeys.revoke(device.api_key)
        issued = apikeys.issue(
            f"ops device {device.code}", kind="device", scopes=["ops:telemetry"], subject=f"ops-device:{device.code}"
        )
        device.api_key = issued.key
        device.save(update_fields=["api_key", "updated_at"])
    return issued.secret
