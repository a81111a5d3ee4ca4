"""When a ticket may pass: its slot's window widened by the product's admission rule (local wall time)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scenic_ops.access import config
from scenic_ops.access.config import Snapshot
from scenic_ops.access.errors import Reason


def hhmm(text: str) -> dt.time:
    return dt.time(int(text[:2]), int(text[3:5]))


def window_refusal(
    snap: Snapshot, rule: config.Rule, day: dt.date, start: dt.time, end: dt.time, now: dt.datetime
) -> tuple[str, dt.datetime] | None:
    """TOO_EARLY / TOO_LATE with the boundary, or None while the ticket may enter."""
    local = timezone.localtime(now).replace(tzinfo=None)
    opens = dt.datetime.combine(day, start) - rule.early
    if local < opens:
        return Reason.TOO_EARLY, opens
    slot_end = dt.datetime.combine(day, end) if end > start else dt.datetime.combine(day, dt.time(23, 59, 59))
    if rule.until == "slot_end":
        closes = slot_end + rule.late
    else:
        closes = max(dt.datetime.combine(day, snap.closing), slot_end) + rule.late
    if local > closes:
        return Reason.TOO_LATE, closes
    return None
