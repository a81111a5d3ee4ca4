"""API plumbing shared by every domain: errors as JSON, scopes, rate limits."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, permissions
from rest_framework.response import Response

from scenic_ops.core.errors import CORE_MESSAGES, CoreCode, DomainError

log = logging.getLogger(__name__)


def error_body(code: str, detail: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": str(code), "detail": str(detail if detail is not None else CORE_MESSAGES[code])}
    body.update(extra)
    return body


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        return Response(error_body(CoreCode.NOT_FOUND), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body(CoreCode.PERMISSION_DENIED, str(exc) or None), status=403)
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body(CoreCode.MALFORMED_JSON, None, reason=str(exc.detail)), status=400)
    if isinstance(exc, exceptions.AuthenticationFailed):
        code = getattr(exc, "scenic_code", CoreCode.INVALID_API_KEY)
        return Response(error_body(code), status=401, headers={"WWW-Authenticate": "ApiKey"})
    if isinstance(exc, exceptions.NotAuthenticated):
        return Response(error_body(CoreCode.NOT_AUTHENTICATED), status=401, headers={"WWW-Authenticate": "ApiKey"})
    if isinstance(exc, exceptions.PermissionDenied):
        code = getattr(exc, "scenic_code", CoreCode.PERMISSION_DENIED)
        detail = exc.detail if str(exc.detail) != exceptions.PermissionDenied.default_detail else None
        return Response(error_body(code, detail), status=403)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(error_body(CoreCode.METHOD_NOT_ALLOWED), status=405)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(error_body(CoreCode.UNSUPPORTED_MEDIA_TYPE), status=415)
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        detail = str(CORE_MESSAGES[CoreCode.RATE_LIMITED]).format(retry_after=wait)
        return Response(error_body(CoreCode.RATE_LIMITED, detail), status=429, headers=headers)
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            error_body(CoreCode.INVALID, None, fields=_flatten(exc.detail)),
            status=400,
        )
    if isinstance(exc, exceptions.NotFound):
        return Response(error_body(CoreCode.NOT_FOUND), status=404)
    if isinstance(exc, exceptions.APIException):
        return Response(error_body(CoreCode.INVALID, exc.detail), status=exc.status_code)
    return None  # unexpected: Django's handler500 answers with a JSON 500 for API paths


class HasScope(permissions.BasePermission):
    """API-key callers need every scope in the view's `required_scopes`; staff need a login."""

    def has_permission(self, request, view) -> bool:
        required = getattr(view, "required_scopes", ())
        key = getattr(request, "auth", None)
        from scenic_ops.core.models import ApiKey

        if isinstance(key, ApiKey):
            missing = [s for s in required if s not in key.scopes and "*" not in key.scopes]
            if missing:
                exc = exceptions.PermissionDenied(str(CORE_MESSAGES[CoreCode.SCOPE_MISSING]).format(scope=missing[0]))
                exc.scenic_code = CoreCode.SCOPE_MISSING
                raise exc
            return True
        return bool(request.user and request.user.is_authenticated)
