"""Positions of staff (crew phones, badges), vehicles and boats (GPS trackers).

Fixes are stamped with the tracker's own time; a fix already stored (same tracker and time)
is ignored, so phones and trackers may resend. Late fixes complete the track; only a newer
fix moves the "last known position".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.models import PositionFix, Tracker
from scenic_ops.operations.services.common import lat_lng

MAX_FIXES = 1000
MAX_AGE = dt.timedelta(days=2)
CLOCK_SKEW = dt.timedelta(minutes=2)


@dataclass
class Fix:
    at: dt.datetime
    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None
    speed_kmh: Decimal | None


def tracker_for(code, key=None) -> Tracker:
    code = str(code or "")[:40]
    tracker = Tracker.objects.filter(code=code, active=True).first()
    if tracker is None:
        raise OpsError(OpsCode.UNKNOWN_TRACKER, tracker=code)
    if key is not None and tracker.api_key_id != key.pk and "ops:position_any" not in (key.scopes or []):
        raise OpsError(OpsCode.DEVICE_KEY_MISMATCH, device=tracker.code)
    return tracker


def phone_of(user: User) -> Tracker:
    """The crew member's phone as a tracker (created on first use)."""
    tracker, _created = Tracker.objects.get_or_create(
        code=f"phone-{user.pk}",
        defaults={"name": str(user), "kind": Tracker.Kind.PHONE, "user": user},
    )
    return tracker


def _fix(raw, index: int, now: dt.datetime) -> Fix:
    if not isinstance(raw, dict):
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("fix %(i)d is not an object") % {"i": index})
    at = raw.get("at")
    if isinstance(at, str):
        try:
            at = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            at = None
    if not isinstance(at, dt.datetime) or timezone.is_naive(at):
        raise OpsError(
            OpsCode.INVALID_POSITION,
            reason=_("fix %(i)d: “at” must be an ISO 8601 time with its UTC offset") % {"i": index},
        )
    if at > now + CLOCK_SKEW:
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("fix %(i)d lies in the future") % {"i": index})
    if at < now - MAX_AGE:
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("fix %(i)d is more than two days old") % {"i": index})
    lat, lng = lat_lng(raw.get("latitude"), raw.get("longitude"))
    if lat is None:
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("fix %(i)d has no latitude and longitude") % {"i": index})
    accuracy = raw.get("accuracy")
    accuracy = (
        int(accuracy)
        if isinstance(accuracy, int | float) and not isinstance(accuracy, bool) and 0 <= accuracy < 100_000
        else None
    )
    speed = raw.get("speed")
    speed = (
        Decimal(str(round(float(speed), 1)))
        if isinstance(speed, int | float) and not isinstance(speed, bool) and 0 <= speed < 1000
        else None
    )
    return Fix(at, lat, lng, accuracy, speed)


def record(tracker: Tracker, fixes, *, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    if not isinstance(fixes, list) or not fixes:
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("send a non-empty list of fixes"))
    if len(fixes) > MAX_FIXES:
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("at most %(n)d fixes at once") % {"n": MAX_FIXES})
    parsed = {f.at: f for f in (_fix(raw, i, now) for i, raw in enumerate(fixes))}
    with transaction.atomic():
        stored = set(PositionFix.objects.filter(tracker=tracker, at__in=list(parsed)).values_list("at", flat=True))
        fresh = [f for at, f in sorted(parsed.items()) if at not in stored]
        PositionFix.objects.bulk_create(
            [
                PositionFix(
                    tracker=tracker,
                    at=f.at,
                    latitude=f.latitude,
                    longitude=f.longitude,
                    accuracy_m=f.accuracy_m,
                    speed_kmh=f.speed_kmh,
                    received_at=now,
                )
                for f in fresh
            ]
        )
        if fresh:
            newest = fresh[-1]
            Tracker.objects.filter(pk=tracker.pk).filter(Q(last_at__isnull=True) | Q(last_at__lt=newest.at)).update(
                last_at=newest.at,
                last_latitude=newest.latitude,
                last_longitude=newest.longitude,
                last_accuracy_m=newest.accuracy_m,
            )
    return {"accepted": len(fresh), "duplicates": len(parsed) - len(fresh) + (len(fixes) - len(parsed))}


def set_on_duty(user: User, on_duty: bool) -> Tracker:
    tracker = phone_of(user)
    Tracker.objects.filter(user=user).update(on_duty=on_duty)
    tracker.refresh_from_db()
    return tracker
