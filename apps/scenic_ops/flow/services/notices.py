"""What staff publish by hand: the traffic note, a banner, a waiting time."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.utils import timezone

from scenic_ops.core import audit
from scenic_ops.flow import live
from scenic_ops.flow.models import Notice, WaitQueue


def notice() -> Notice:
    return Notice.objects.order_by("pk").first() or Notice.objects.create()


def _as(user):
    return audit.acting_as(user) if getattr(user, "pk", None) else contextlib.nullcontext()


def publish_notice(*, user=None, **fields: str) -> Notice:
    """Set any of traffic_note, traffic_note_en, banner, banner_en ('' clears)."""
    allowed = {"traffic_note", "traffic_note_en", "banner", "banner_en"}
    with transaction.atomic(), _as(user):
        current = notice()
        for name, value in fields.items():
            if name not in allowed:
                raise TypeError(f"unknown notice field {name}")
            setattr(current, name, (value or "")[:300])
        current.save()
        live.changed(evaluate=False)
    return current


def set_wait(queue: WaitQueue, minutes: int | None, *, user=None, now: dt.datetime | None = None) -> WaitQueue:
    """Staff type a waiting time (switches the queue to manual); None returns it to its sensor."""
    now = now or timezone.now()
    with transaction.atomic(), _as(user):
        queue.mode = WaitQueue.Mode.SENSOR if minutes is None else WaitQueue.Mode.MANUAL
        queue.manual_minutes = minutes
        queue.state_at = now
        queue.save()
        live.changed(evaluate=False)
    return queue
