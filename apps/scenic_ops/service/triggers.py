"""Incidents and dispatches other domains' events open (through `service/hooks.py`).

- A visitor-flow level turning red (the site or a key spot) opens one over-capacity incident per
  red episode: the change itself, and the minutely `flow.levels_standing` for any change missed,
  lead to the same incident (its trigger key names the place and the episode's start).
- A key spot standing at orange asks for extra shuttles when a shuttle pool exists (one request
  per orange episode).
- An equipment alarm whose rule names an incident kind opens that incident (one per alarm).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils.translation import gettext as _

from scenic_ops.core.models import Zone
from scenic_ops.service.incidents import raise_incident
from scenic_ops.service.models import Incident, Level

log = logging.getLogger(__name__)


def flow_trigger_key(zone_code: str | None, since: dt.datetime) -> str:
    return f"flow:red:{zone_code or 'site'}:{int(since.timestamp())}"


def over_capacity(zone_code: str | None, since: dt.datetime, cause: str, *, now=None) -> Incident:
    """The over-capacity incident of one red episode (the same one however often it is reported)."""
    zone = Zone.objects.filter(code=zone_code).first() if zone_code else None
    return raise_incident(
        "over_capacity",
        flow_trigger_key(zone_code, since),
        level=Level.II,
        zone=zone,
        source=Incident.Source.FLOW,
        title=_("Over capacity: %(place)s") % {"place": zone.name if zone else _("the scenic area")},
        description=cause,
        now=now,
    )


def standing_levels(levels: list[dict], *, now=None) -> dict[str, int]:
    """Catch up with the levels standing at orange or above: red opens the incident, orange at a key
    spot asks for shuttles."""
    raised = dispatched = 0
    for entry in levels:
        if entry["level"] == "red":
            over_capacity(entry["zone_code"], entry["since"], entry.get("cause", ""), now=now)
            raised += 1
        elif entry["level"] == "orange" and entry["zone_code"]:
            dispatched += extra_shuttles(entry, now=now)
    return {"red": raised, "shuttle_requests": dispatched}


def extra_shuttles(entry: dict, *, now=None) -> int:
    from scenic_ops.service import dispatch
    from scenic_ops.service.models import ResourcePool

    pool = ResourcePool.objects.filter(kind=ResourcePool.Kind.SHUTTLE, active=True).order_by("code").first()
    if pool is None:
        return 0
    code = entry["zone_code"]
    dispatch.request_dispatch(
        title=_("Extra shuttles to %(zone)s (orange level)") % {"zone": entry.get("zone_name") or code},
        pool=pool,
        headcount=2,
        zone=code,
        priority="high",
        reason=_("%(count)s visitors of %(capacity)s")
        % {"count": entry.get("count", "?"), "capacity": entry.get("capacity", "?")},
        source="flow",
        trigger_key=f"flow:orange:{code}:{int(entry['since'].timestamp())}",
        now=now,
    )
    return 1


def alarm_incident(*, kind: str, source: str, title: str, description: str, zone_code, latitude, longitude, now):
    """The incident an equipment alarm's rule asks for (one per alarm, however often it is reported)."""
    return raise_incident(
        kind,
        source,
        zone=zone_code or None,
        latitude=latitude,
        longitude=longitude,
        source="alarm",
        title=title,
        description=description,
        now=now,
    )
