"""Visitor pages (phone first, zh/en, elderly mode; in the visitor portal's shell): complaint or
suggestion form, "my complaints" (phone + code), the SOS button; and the staff's "my emergency tasks" page."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scenic_ops.core.visitor import visitor_page
from scenic_ops.service import complaints, incident_work, incidents
from scenic_ops.service.common import throttle
from scenic_ops.service.errors import ServiceError
from scenic_ops.service.models import Complaint, ComplaintCategory, Incident, IncidentTask

SESSION_CODES = "service_codes"
SOS_KINDS = ["medical", "lost_person", "fire", "sos"]


def _prefs(request) -> dict:
    """The page's language for what the visitor files; the visitor portal's shell (`visitor_page`)
    applies `?lang=` and the elderly mode."""
    return {"lang": "en" if (translation.get_language() or "").startswith("en") else "zh"}


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@visitor_page
def hub(request):
    return render(request, "service/hub.html", _prefs(request))


@require_http_methods(["GET", "POST"])
@visitor_page
def complaint_form(request):
    ctx = _prefs(request)
    ctx["categories"] = ComplaintCategory.objects.filter(active=True)
    ctx["kinds"] = Complaint.Kind.choices
    ctx["form"] = request.POST if request.method == "POST" else {"kind": request.GET.get("kind", "complaint")}
    ctx["token"] = request.POST.get("token") or uuid.uuid4().hex
    if request.method == "POST":
        try:
            throttle(f"complaint:{_ip(request)}", 10, 3600)
            complaint = complaints.file_complaint(
                description=request.POST.get("description", ""),
                subject=request.POST.get("subject", ""),
                kind=request.POST.get("kind", "complaint"),
                channel=Complaint.Channel.PORTAL,
                category=request.POST.get("category") or None,
                phone=request.POST.get("phone", ""),
                name=request.POST.get("name", ""),
                email=request.POST.get("email", ""),
                order_ref=request.POST.get("order_ref", ""),
                photos=request.FILES.getlist("photos"),
                language=ctx["lang"],
                client_token=request.POST.get("token") or None,
            )
        except ServiceError as exc:
            ctx["error"] = exc.detail
            return render(request, "service/complaint_form.html", ctx, status=exc.status if exc.status != 400 else 400)
        _remember(request, complaint)
        return HttpResponseRedirect(reverse("service:complaint-status", args=[complaint.code]) + "?new=1")
    return render(request, "service/complaint_form.html", ctx)


def _remember(request, complaint: Complaint) -> None:
    codes = [c for c in request.session.get(SESSION_CODES, []) if c != complaint.code]
    request.session[SESSION_CODES] = [complaint.code, *codes][:20]


@require_http_methods(["GET", "POST"])
@visitor_page
def my_complaints(request):
    """Look a complaint up by phone number and code; complaints filed in this browser are listed."""
    ctx = _prefs(request)
    ctx["code"] = request.POST.get("code") or request.GET.get("code", "")
    if request.method == "POST":
        try:
            throttle(f"lookup:{_ip(request)}", 20, 600)
            complaint = complaints.lookup(request.POST.get("phone", ""), ctx["code"])
        except ServiceError as exc:
            ctx["error"] = exc.detail
            return render(request, "service/my.html", ctx, status=exc.status)
        _remember(request, complaint)
        return HttpResponseRedirect(reverse("service:complaint-status", args=[complaint.code]))
    codes = request.session.get(SESSION_CODES, [])
    mine = {c.code: c for c in Complaint.objects.filter(code__in=codes)}
    ctx["mine"] = [mine[c] for c in codes if c in mine]
    return render(request, "service/my.html", ctx)


@require_http_methods(["GET", "POST"])
@visitor_page
def complaint_status(request, code: str):
    ctx = _prefs(request)
    if code not in request.session.get(SESSION_CODES, []):
        return HttpResponseRedirect(reverse("service:my") + f"?code={code}")
    complaint = get_object_or_404(Complaint, code=code)
    if request.method == "POST":
        try:
            complaints.rate(complaint, request.POST.get("rating", ""), request.POST.get("comment", ""))
        except ServiceError as exc:
            ctx["error"] = exc.detail
        else:
            ctx["thanks"] = True
        complaint.refresh_from_db()
    ctx.update(complaints.visitor_view(complaint))
    ctx["new"] = request.GET.get("new") == "1"
    return render(request, "service/status.html", ctx)


@require_http_methods(["GET", "POST"])
@visitor_page
def sos(request):
    """The SOS button: sends the phone's location; staff see it on the incident command map at once."""
    ctx = _prefs(request)
    ctx["token"] = request.POST.get("token") or uuid.uuid4().hex
    ctx["kinds"] = [(k, _sos_label(k)) for k in SOS_KINDS]
    if request.method == "POST":
        kind = request.POST.get("kind") or "sos"
        if kind not in SOS_KINDS:
            kind = "sos"
        try:
            throttle(f"sos:{_ip(request)}", 5, 600)
            incident = incidents.raise_incident(
                kind,
                f"sos:{request.POST.get('token') or uuid.uuid4().hex}"[:190],
                latitude=request.POST.get("latitude") or None,
                longitude=request.POST.get("longitude") or None,
                reporter_phone=request.POST.get("phone", ""),
                description=request.POST.get("note", "")[:1000],
                title=_("SOS: %(kind)s") % {"kind": _sos_label(kind)},
                source=Incident.Source.SOS,
            )
        except ServiceError as exc:
            ctx["error"] = exc.detail
            return render(request, "service/sos.html", ctx, status=exc.status)
        ctx["incident"] = incident
        ctx["located"] = incident.latitude is not None
        return render(request, "service/sos_sent.html", ctx)
    return render(request, "service/sos.html", ctx)


def _sos_label(kind: str) -> str:
    return {
        "medical": _("Injury or illness"),
        "lost_person": _("Someone is lost"),
        "fire": _("Fire or smoke"),
        "sos": _("Other emergency"),
    }[kind]


@login_required(login_url="/admin/login/")
@require_http_methods(["GET", "POST"])
@visitor_page
def my_tasks(request):
    """Emergency tasks for the user's roles, to acknowledge and finish on the phone."""
    ctx = _prefs(request)
    if request.method == "POST":
        task = IncidentTask.objects.select_related("incident").filter(pk=request.POST.get("task") or 0).first()
        if task is None:
            raise Http404
        try:
            if request.POST.get("do") == "ack":
                incident_work.acknowledge_task(task, request.user)
            else:
                incident_work.complete_task(task, request.user, request.POST.get("note", ""))
        except ServiceError as exc:
            ctx["error"] = exc.detail
        else:
            return HttpResponseRedirect(reverse("service:tasks"))
    ctx["tasks"] = list(incident_work.open_tasks_for(request.user))
    ctx["now"] = timezone.now()
    return render(request, "service/tasks.html", ctx)
