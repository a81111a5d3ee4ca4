"""Reads for the desk: the live gate panel, admissions reports, a ticket's history, dashboard figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from scenic_ops.access import scanlog
from scenic_ops.access.errors import reason_label
from scenic_ops.access.models import Conflict, Gate, GateDevice, Lane, Presence, Scan, ScanCorrection
from scenic_ops.core.dbrouter import reporting_db
from scenic_ops.ticketing import catalog
from scenic_ops.ticketing import selectors as ticketing_selectors

ADMISSIONS = ("admitted", "readmitted")
LAST_SCANS = 8


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    return start, start + dt.timedelta(days=1)


def flow_figures(day: dt.date) -> dict[int, dict[str, int]]:
    """Entries, exits and people present per place today, from the visitor-flow counts."""
    from scenic_ops.flow import selectors as flow

    counts = flow.counts(day)
    corrections = flow.adjustments(day)
    out = {}
    for key, figures in counts.items():
        out[key] = {
            "entries": figures["entries"],
            "exits": figures["exits"],
            "present": max(0, figures["entries"] - figures["exits"] + corrections.get(key, 0)),
        }
    return out


def panel(now: dt.datetime | None = None) -> dict[str, Any]:
    """The live gate panel: per gate and lane, device status, the last scans and today's refusals."""
    now = now or timezone.now()
    scanlog.flush()  # refusals decided without the database are shown too
    today = timezone.localdate(now)
    start, end = day_bounds(today)
    gates = list(Gate.objects.filter(active=True).select_related("zone").order_by("sort_order", "code"))
    lanes = list(Lane.objects.filter(gate__in=gates, active=True).order_by("sort_order", "code"))
    devices = defaultdict(list)
    for device in GateDevice.objects.filter(lane__in=lanes):
        devices[device.lane_id].append(device)
    per_lane = (
        Scan.objects.filter(at__gte=start, at__lt=end)
        .values_list("lane_id")
        .annotate(
            admitted=Count("id", filter=Q(outcome__in=ADMISSIONS)),
            exited=Count("id", filter=Q(outcome="exited")),
            refused=Count("id", filter=Q(outcome="denied")),
        )
        .order_by()
    )
    lane_totals = {lane_id: (a, x, r) for lane_id, a, x, r in per_lane}
    refusals = defaultdict(Counter)
    for gate_id, reason, n in (
        Scan.objects.filter(at__gte=start, at__lt=end, outcome="denied")
        .values_list("gate_id", "reason")
        .annotate(n=Count("id"))
        .order_by()
    ):
        refusals[gate_id][reason] += n
    figures = flow_figures(today)
    cat = catalog.get()
    out_gates = []
    for gate in gates:
        rows = []
        for lane in (x for x in lanes if x.gate_id == gate.id):
            scans = list(Scan.objects.filter(lane_id=lane.id).order_by("-id")[:LAST_SCANS])
            lane_devices = devices.get(lane.id, [])
            online = [d for d in lane_devices if d.is_online(now)]
            admitted, exited, refused = lane_totals.get(lane.id, (0, 0, 0))
            rows.append(
                {
                    "lane": lane,
                    "devices": lane_devices,
                    "online": bool(online),
                    "status": "online" if online else ("offline" if lane_devices else "no_device"),
                    "queue": sum(d.offline_queue for d in lane_devices),
                    "admitted": admitted,
                    "exited": exited,
                    "refused": refused,
                    "scans": [_scan_row(s, cat) for s in scans],
                }
            )
        key = 0 if gate.scope == Gate.Scope.SITE else gate.zone_id
        out_gates.append(
            {
                "gate": gate,
                "lanes": rows,
                "refusals": [(r, reason_label(r), n) for r, n in refusals.get(gate.id, Counter()).most_common()],
                "place": figures.get(key, {"entries": 0, "exits": 0, "present": 0}),
            }
        )
    site = figures.get(0, {"entries": 0, "exits": 0, "present": 0})
    return {
        "now": now,
        "gates": out_gates,
        "site": site,
        "open_conflicts": Conflict.objects.filter(status=Conflict.Status.OPEN).count(),
    }


def _scan_row(scan: Scan, cat) -> dict[str, Any]:
    product = cat.product(scan.product_id) if scan.product_id else None
    category = cat.category(scan.category_id) if scan.category_id else None
    return {
        "id": scan.pk,
        "at": timezone.localtime(scan.at),
        "direction": scan.get_direction_display(),
        "method": scan.get_method_display(),
        "outcome": scan.outcome,
        "outcome_label": scan.get_outcome_display(),
        "reason": scan.reason,
        "reason_label": reason_label(scan.reason),
        "ticket": scan.ticket_code,
        "product": product.label if product else "",
        "category": category.label if category else "",
        "offline": scan.offline,
        "detail": scan.detail,
    }


# --- reports ------------------------------------------------------------------------------------------
def admissions(start: dt.date, end: dt.date) -> dict[str, Any]:
    """Admissions (first entries and re-entries) by hour, entrance, channel and category."""
    begin, _ = day_bounds(start)
    _, finish = day_bounds(end)
    db = reporting_db()
    base = Scan.objects.using(db).filter(at__gte=begin, at__lt=finish, outcome__in=ADMISSIONS)
    tz = timezone.get_current_timezone()
    by_hour = [0] * 24
    for hour, n in base.annotate(h=ExtractHour("at", tzinfo=tz)).values_list("h").annotate(n=Count("id")).order_by():
        if hour is not None:
            by_hour[hour] += n
    gates = {g.id: g for g in Gate.objects.using(db).all()}
    by_gate = [
        (gates[gid].name if gid in gates else "—", n)
        for gid, n in base.values_list("gate_id").annotate(n=Count("id")).order_by("-n")
    ]
    channels = ticketing_selectors.channel_labels()
    by_channel = [
        (str(channels.get(ch, ch or "—")), n)
        for ch, n in base.values_list("channel").annotate(n=Count("id")).order_by("-n")
    ]
    cat = catalog.get()
    by_category = [
        (cat.category(cid).label if cid and cat.category(cid) else "—", n)
        for cid, n in base.values_list("category_id").annotate(n=Count("id")).order_by("-n")
    ]
    refused = (
        Scan.objects.using(db)
        .filter(at__gte=begin, at__lt=finish, outcome="denied")
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return {
        "start": start,
        "end": end,
        "total": sum(by_hour),
        "by_hour": by_hour,
        "by_gate": by_gate,
        "by_channel": by_channel,
        "by_category": by_category,
        "refused": [(reason_label(r), n) for r, n in refused],
    }


def today_figures(now: dt.datetime | None = None) -> dict[str, Any]:
    """Dashboard: people in the park, entries and exits today, refusals by reason, lanes online."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = day_bounds(today)
    site = flow_figures(today).get(0, {"entries": 0, "exits": 0, "present": 0})
    db = reporting_db()
    refusals = list(
        Scan.objects.using(db)
        .filter(at__gte=start, at__lt=end, outcome="denied")
        .values_list("reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    devices = list(GateDevice.objects.using(db).filter(active=True))
    return {
        "site": site,
        "refusals": [(reason_label(r), n) for r, n in refusals],
        "devices": len(devices),
        "devices_online": sum(1 for d in devices if d.is_online(now)),
        "open_conflicts": Conflict.objects.using(db).filter(status=Conflict.Status.OPEN).count(),
    }


# --- a ticket's history ----------------------------------------------------------------------------------
def find_tickets(query: str, *, limit: int = 20) -> list:
    """Tickets by code, QR content or ID number (ticketing's search)."""
    return ticketing_selectors.find_tickets(query, limit=limit)


def ticket_history(ticket) -> dict[str, Any]:
    """Everything the gates know about one ticket, oldest first: for complaint handling."""
    scanlog.flush()
    cat = catalog.get()
    scans = list(Scan.objects.filter(Q(ticket_id=ticket.id) | Q(ticket_code=ticket.code)).order_by("at", "id"))
    gates = {g.id: g.name for g in Gate.objects.all()}
    lanes = {x.id: x.name for x in Lane.objects.all()}
    rows = []
    for scan in scans:
        row = _scan_row(scan, cat)
        row["gate"] = gates.get(scan.gate_id, "—")
        row["lane"] = lanes.get(scan.lane_id, "—")
        rows.append(row)
    return {
        "ticket": ticket,
        "scans": rows,
        "corrections": list(ScanCorrection.objects.filter(ticket_id=ticket.id).select_related("created_by")),
        "conflicts": list(Conflict.objects.filter(ticket_id=ticket.id)),
        "presence": list(Presence.objects.filter(ticket_id=ticket.id)),
    }
