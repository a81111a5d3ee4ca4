from __future__ import annotations

import logging
import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from scenic_ops.core import health
from scenic_ops.core.api import HasScope, error_body
from scenic_ops.core.errors import CoreCode

log = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/healthz")) or "application/json" in request.META.get("HTTP_ACCEPT", "")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    from django.conf import settings

    healthy, checks = health.report()
    body = {"status": "ok" if healthy else "degraded", "site": settings.SITE_NAME, "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def lockout_response(request, credentials=None, *args, **kwargs) -> HttpResponse:
    message = _(
        "Too many failed logins: this account is locked for 15 minutes. Ask a system administrator to unlock it sooner."
    )
    if _wants_json(request):
        return JsonResponse({"code": "account_locked", "detail": message}, status=429)
    return render(request, "pages/locked.html", {"message": message}, status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    """Never a traceback: a database outage is a 503 with a plain message, anything else a 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        status, code = 503, CoreCode.DATABASE_UNAVAILABLE
        log.error("database unavailable: %s", exc)
    else:
        status, code = 500, CoreCode.SERVER_ERROR
    body = error_body(code)
    if _wants_json(request):
        return JsonResponse(body, status=status)
    return render(request, "pages/error.html", {"status": status, "message": body["detail"]}, status=status)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    body = error_body(CoreCode.NOT_FOUND)
    if _wants_json(request):
        return JsonResponse(body, status=404)
    return render(request, "pages/error.html", {"status": 404, "message": body["detail"]}, status=404)


@extend_schema(summary="Who am I", description="Echoes the authenticated caller: a staff user or an API key.")
@api_view(["GET"])
@permission_classes([HasScope])
def whoami(request) -> Response:
    key = getattr(request, "auth", None)
    if key is not None and hasattr(key, "scopes"):
        return Response({"kind": "api_key", "name": key.name, "key_kind": key.kind, "scopes": key.scopes})
    return Response({"kind": "user", "username": request.user.get_username()})


# The API documentation pages load Swagger UI and Redoc from the installed sidecar package. The
# policy keeps them on this site: Redoc's bundle would also fetch its logo from a CDN.
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; font-src 'self' data:; connect-src 'self'"
)


def offline_docs(view):
    """The API documentation view, allowed to load nothing from outside the site."""

    def docs(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_POLICY
        return response

    return docs
