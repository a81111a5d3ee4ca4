"""What the ticketing API views share: dates from query strings, lean views documented by DRF classes."""

from __future__ import annotations

import datetime as dt

from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import APIView

from scenic_ops.ticketing.errors import Code, TicketingError


def date_param(value: str | None, *, default: dt.date | None = None) -> dt.date:
    if not value:
        if default is None:
            raise TicketingError(Code.INVALID_REQUEST, reason="date")
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise TicketingError(Code.INVALID_REQUEST, reason="date must be YYYY-MM-DD") from None


def lean_view(documented_by: type[APIView]):
    """Serve a hot endpoint with a plain Django function; drf-spectacular still documents `documented_by`.

    DRF's request wrapping, negotiation and rendering cost more than the call itself here. Served
    through `scenic_ops.wsgi` these paths also skip the middleware stack (`core.lean`).
    """

    def wrap(func):
        func.cls = documented_by
        func.initkwargs = {}
        return csrf_exempt(func)

    return wrap
