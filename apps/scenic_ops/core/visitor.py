"""The visitor's page settings, shared by every visitor page of every domain: language and elderly mode.

Elderly mode is one setting for the whole site: the `portal_elder` cookie, switched by the
portal's header switch (a POST) or by `?elder=1` / `?elder=0` on any visitor page; `?lang=en` /
`?lang=zh` switches the language the same way. Domains decorate their visitor views with
`visitor_page` and ask `elder_mode(request)`; their templates extend the portal's shell
(`portal/base.html`), which owns the look and the navigation between sections.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation

ELDER_COOKIE = "portal_elder"
# Cookies of the pages' own switches before the portal owned the setting: still honoured until
# the visitor uses the portal's switch once.
LEGACY_ELDER_COOKIES = ("tk_elder", "flow_elder")
COOKIE_AGE = 365 * 24 * 3600
LANGS = {"zh": "zh-hans", "zh-hans": "zh-hans", "en": "en"}
SWITCH_PARAMS = ("lang", "elder")


def elder_mode(request) -> bool:
    """Whether this visitor uses the elderly mode (large text, big targets, one step at a time)."""
    forced = getattr(request, "portal_elder", None)
    if forced is not None:
        return forced
    value = request.COOKIES.get(ELDER_COOKIE)
    if value is None:
        value = next((request.COOKIES[c] for c in LEGACY_ELDER_COOKIES if c in request.COOKIES), "0")
    return value == "1"


def remember_elder_mode(response, on: bool) -> None:
    response.set_cookie(ELDER_COOKIE, "1" if on else "0", max_age=COOKIE_AGE, samesite="Lax", httponly=True)
    for legacy in LEGACY_ELDER_COOKIES:
        response.delete_cookie(legacy)


def clean_path(request) -> str:
    """The current address without the one-off switches (`?lang=`, `?elder=`), to come back to."""
    query = [(k, v) for k, vs in request.GET.lists() if k not in SWITCH_PARAMS for v in vs]
    return request.path + (f"?{urlencode(query)}" if query else "")


def visitor_page(view):
    """Applies `?lang=` and `?elder=` to this request and remembers them in cookies."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        language = LANGS.get(request.GET.get("lang", ""))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        elder = request.GET.get("elder")
        if elder in ("0", "1"):
            request.portal_elder = elder == "1"
        response = view(request, *args, **kwargs)
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=COOKIE_AGE, samesite="Lax")
        if elder in ("0", "1"):
            remember_elder_mode(response, elder == "1")
        return response

    return wrapped
