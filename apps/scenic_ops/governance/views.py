"""Governance pages outside the desk: a staff member's training sign-in on their phone, the
session's QR code (shown in the classroom)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from scenic_ops.core import qr
from scenic_ops.governance import training
from scenic_ops.governance.errors import Code, GovernanceError
from scenic_ops.governance.models import Enrolment, Session


@login_required(login_url="/admin/login/")
@require_http_methods(["GET", "POST"])
def sign_in(request, code: str):
    """The page the session's QR code opens: one tap signs the person in."""
    session = Session.objects.select_related("programme").filter(sign_in_code=code[:24]).first()
    context = {"session": session, "enrolment": None, "error": "", "error_code": ""}
    if session is not None:
        context["enrolment"] = Enrolment.objects.filter(session=session, person=request.user).first()
    status = 200
    if request.method == "POST":
        try:
            context["enrolment"] = training.sign_in(code, request.user)
        except GovernanceError as exc:
            context["error"], context["error_code"], status = exc.detail, exc.code, exc.status
    elif session is None:
        missing = GovernanceError(Code.UNKNOWN_SESSION)
        context["error"], context["error_code"], status = missing.detail, missing.code, missing.status
    return render(request, "governance/sign_in.html", context, status=status)


@login_required(login_url="/admin/login/")
@permission_required("governance.view_session", raise_exception=True)
def session_qr(request, pk: int):
    session = get_object_or_404(Session, pk=pk)
    url = request.build_absolute_uri(reverse("governance:sign-in", args=[session.sign_in_code]))
    return qr.png_response(url, scale=8)
