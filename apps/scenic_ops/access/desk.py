"""Desk pages beyond the model lists: the live gate panel, the admissions report, a ticket's history."""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.access import selectors
from scenic_ops.core import audit
from scenic_ops.core.admin_base import date_param, desk_page, require_perm

MAX_REPORT_DAYS = 92


# --- live panel ---------------------------------------------------------------------------------------
def panel_view(admin_site, request):
    """Lanes with their status, last scans and today's refusals; the body reloads every few seconds."""
    require_perm(request, "access.view_scan")
    return desk_page(admin_site, request, "admin/access/panel.html", _("Live gate panel"), **selectors.panel())


def panel_body_view(admin_site, request):
    require_perm(request, "access.view_scan")
    return TemplateResponse(request, "admin/access/panel_body.html", selectors.panel())


# --- admissions report ------------------------------------------------------------------------------------
def report_view(admin_site, request):
    require_perm(request, "access.view_scan")
    today = timezone.localdate()
    start = date_param(request.GET.get("start"), today - dt.timedelta(days=6))
    end = date_param(request.GET.get("end"), today)
    if end < start or (end - start).days > MAX_REPORT_DAYS:
        end = start
    data = selectors.admissions(start, end)
    if request.GET.get("format") == "csv":
        audit.record("action", message=f"admissions report export {start}..{end}")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="admissions-{start}-{end}.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM
        writer = csv.writer(response)
        writer.writerow([_("breakdown"), _("value"), _("admissions")])
        for hour, n in enumerate(data["by_hour"]):
            writer.writerow([_("hour"), f"{hour:02d}:00", n])
        for key, rows in (("entrance", "by_gate"), ("channel", "by_channel"), ("category", "by_category")):
            for label, n in data[rows]:
                writer.writerow([_(key), label, n])
        return response
    charts = {
        "hour": {
            "title": _("Admissions by hour"),
            "type": "bar",
            "labels": [f"{h}:00" for h in range(24)],
            "datasets": [{"name": _("Admissions"), "values": data["by_hour"]}],
        },
        "gate": _pie(_("By entrance"), data["by_gate"]),
        "channel": _pie(_("By sales channel"), data["by_channel"]),
        "category": _pie(_("By price category"), data["by_category"]),
    }
    return desk_page(
        admin_site,
        request,
        "admin/access/report.html",
        _("Admissions report"),
        charts=json.dumps(charts, ensure_ascii=False),
        query=f"start={start.isoformat()}&end={end.isoformat()}",
        **data,
    )


def _pie(title: str, rows: list[tuple[str, int]]) -> dict:
    return {
        "title": title,
        "type": "percentage" if len(rows) > 1 else "bar",
        "labels": [label for label, _n in rows],
        "datasets": [{"name": title, "values": [n for _label, n in rows]}],
    }


# --- a ticket's history ---------------------------------------------------------------------------------
def history_view(admin_site, request):
    """Find a ticket by code, QR content or ID number and show every scan of it (complaint handling)."""
    require_perm(request, "access.view_scan")
    query = (request.GET.get("q") or "").strip()[:200]
    tickets = selectors.find_tickets(query) if query else []
    if query:
        kind = "code" if tickets and tickets[0].code == query.upper() else "id number or token"
        audit.record("action", message=f"ticket history lookup by {kind}: {len(tickets)} found")
    chosen = None
    if tickets:
        wanted = request.GET.get("ticket")
        chosen = next((t for t in tickets if t.code == wanted), tickets[0])
    return desk_page(
        admin_site,
        request,
        "admin/access/history.html",
        _("Find a ticket's history"),
        query=query,
        tickets=tickets,
        history=selectors.ticket_history(chosen) if chosen else None,
    )
