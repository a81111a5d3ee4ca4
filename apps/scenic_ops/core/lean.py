"""Lean endpoints: a few hot API paths served without Django's middleware stack.

Sessions, CSRF, messages, OTP, axes and the other middleware cost more CPU than a hot API call
itself (a partner booking, the remaining-places poll, a gate validation). A domain registers
such a view with `@lean.route(path, when=...)`; `LeanWSGI` (see wsgi.py) serves an exact path
match directly, with Django's request/response objects and signals (so database connections are
managed as usual), the host check, the response security headers and the request's language.
Everything else, and every request `when` declines, goes through the normal stack unchanged.
A lean view authenticates its caller itself (API keys, signatures): there is no session user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import get_resolver, set_script_prefix
from django.utils import translation

log = logging.getLogger("django.request")
_routes: dict[str, tuple[Callable[[HttpRequest], HttpResponse], Callable[[dict], bool] | None]] = {}


def route(path: str, *, when: Callable[[dict], bool] | None = None):
    """Serve `path` (exact PATH_INFO) with this view, for requests whose WSGI environ `when` accepts."""

    def register(view):
        _routes[path] = (view, when)
        return view

    return register


def routes() -> dict[str, Callable]:
    return {path: view for path, (view, _when) in _routes.items()}


class LeanWSGI:
    def __init__(self, app) -> None:
        self.app = app
        # Import every URLconf: the domains register their lean routes there.
        self.url_patterns = get_resolver().url_patterns

    def __call__(self, environ, start_response):
        entry = _routes.get(environ.get("PATH_INFO", ""))
        if entry is None or (entry[1] is not None and not entry[1](environ)):
            return self.app(environ, start_response)
        view = entry[0]
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        try:
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it
            with translation.override(translation.get_language_from_request(request)):
                response = view(request)
        except DisallowedHost:
            response = JsonResponse({"code": "bad_request", "detail": "Bad Request"}, status=400)
        except Exception:
            log.exception("lean endpoint %s failed", environ.get("PATH_INFO"))
            from scenic_ops.core.views import server_error

            response = server_error(request)
        response._handler_class = self.__class__
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
        start_response(status, headers)
        return response  # the server calls response.close(), which sends request_finished
