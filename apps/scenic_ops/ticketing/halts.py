"""Whether the sale of a day's remaining slots is stopped (a red visitor-flow level, an operator).

Ticketing owns the answer: every channel's booking asks `stopped(day)` before taking inventory,
and the remaining-places view shows the day closed. Visitor flow decides when to stop and tells
ticketing through the `flow.sales_halt_changed` hook (`ticketing/hooks.py`); ticketing records
it on the sale day (audited) and clears its caches.

`stopped` is asked on every booking: each process remembers the answer for a second, Redis for
half a minute; a change clears both (the process that changes it sees it at once, the others
within the second).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from scenic_ops.core import audit

log = logging.getLogger(__name__)
LOCAL_SECONDS = 1.0
CACHE_SECONDS = 30
_local: dict[dt.date, tuple[float, bool]] = {}


def _key(day: dt.date) -> str:
    return f"ticketing:sales-stop:{day.isoformat()}"


def stopped(day: dt.date | None = None) -> bool:
    """True while the sale of `day`'s remaining slots is stopped."""
    from scenic_ops.ticketing.models import SaleDay

    day = day or timezone.localdate()
    clock = time.monotonic()
    known = _local.get(day)
    if known is not None and known[0] > clock:
        return known[1]
    try:
        value = cache.get(_key(day))
    except Exception:  # noqa: BLE001 - Redis down: ask the database
        value = None
    if value is None:
        value = SaleDay.objects.filter(date=day, sales_stopped=True).exists()
        try:
            cache.set(_key(day), value, CACHE_SECONDS)
        except Exception:  # noqa: BLE001
            pass
    if len(_local) > 64:
        _local.clear()
    _local[day] = (clock + LOCAL_SECONDS, bool(value))
    return bool(value)


def forget(day: dt.date) -> None:
    _local.pop(day, None)
    try:
        cache.delete(_key(day))
    except Exception:  # noqa: BLE001
        log.warning("ticketing: could not clear the cached sales stop of %s", day)


def stop_sales(day: dt.date, stop: bool, *, reason: str = "", by: str = "", now: dt.datetime | None = None) -> bool:
    """Stop (or resume) the sale of `day`'s remaining slots. True if this changed anything.

    Call inside the caller's transaction; the caches clear now and again once it commits.
    """
    from scenic_ops.ticketing.models import SaleDay

    now = now or timezone.now()
    with transaction.atomic(), audit.acting_as(None, name=by or "ticketing"):
        saleday, _created = SaleDay.objects.select_for_update().get_or_create(date=day)
        if saleday.sales_stopped == stop:
            return False
        saleday.sales_stopped = stop
        saleday.sales_stop_reason = reason[:300]
        saleday.sales_stopped_at = now if stop else None
        saleday.save()
    forget(day)
    transaction.on_commit(lambda: forget(day))
    return True
