"""Reads for the portal's home page, through the domains' public selectors."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today_overview(*, today: dt.date | None = None) -> dict:
    """Today at a glance: opening hours and places left (ticketing), people in the park and the
    warning level (visitor flow)."""
    from scenic_ops.core.services import site_profile
    from scenic_ops.flow import selectors as flow
    from scenic_ops.ticketing import selectors as ticketing

    today = today or timezone.localdate()
    profile = site_profile()
    sale = ticketing.availability(today)
    live = flow.public(flow.live_status())
    status = sale["status"]
    entry_slots = [s for s in sale["slots"] if not s.get("product")]  # not a show's or a boat's own slots
    if status != "closed" and entry_slots and all(s["status"] == "past" for s in entry_slots):
        status = "past"
    return {
        "date": today,
        "opening_time": profile.opening_time,
        "closing_time": profile.closing_time,
        "status": status,
        "remaining": sale["remaining"],
        "note": sale["note"],
        "halted": sale["halted"],
        "in_park": live["in_park"],
        "instant_capacity": live["capacity"]["instant"],
        "level": live["level"],
        "banner": live["banner"],
    }
