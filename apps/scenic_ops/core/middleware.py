from __future__ import annotations

from django.db import DatabaseError

from scenic_ops.core import audit


class AuditContextMiddleware:
    """Attributes audit records to whoever makes the request; logs permission denials."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit._actor.set(request)  # resolved only when something is recorded
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                self._log_denial(request)
        finally:
            audit._actor.reset(token)
        return response

    @staticmethod
    def _log_denial(request) -> None:
        from scenic_ops.core.models import AuditEvent

        try:
            audit.record(AuditEvent.Action.PERMISSION_DENIED, message=f"{request.method} {request.path}"[:500])
        except DatabaseError:
            pass
