"""Public pages: the visitor information page (phone, zh/en, elderly mode; in the visitor portal's
shell) and the big screen (1920×1080)."""

from __future__ import annotations

import json

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from scenic_ops.core.visitor import visitor_page
from scenic_ops.flow import selectors

LANGS = {"zh": "zh-hans", "zh-hans": "zh-hans", "en": "en"}


def _language(request) -> str:
    """`?lang=en` / `?lang=zh` switches and is remembered in the language cookie."""
    wanted = LANGS.get(request.GET.get("lang", ""))
    if wanted:
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted
    return translation.get_language() or settings.LANGUAGE_CODE


def _strings() -> dict:
    return {
        "crowd": {
            "normal": _("comfortable"),
            "yellow": _("busy"),
            "orange": _("very busy"),
            "red": _("full"),
        },
        "free": _("{free} of {spaces} free"),
        "minutes": _("{n} min"),
        "nodata": _("no data"),
        "notraffic": _("No traffic news."),
        "weekdays": [_("Sun"), _("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat")],
        "in_park": _("In the park"),
        "room": _("Room left"),
        "entries": _("Entries"),
        "forecast": _("Forecast"),
        "occupied": _("Occupied"),
        "free_spaces": _("Free"),
        "capacity": _("Capacity"),
        "no_alerts": _("No alerts."),
    }


def _page(request, template: str, extra: dict | None = None):
    language = _language(request)
    snapshot = selectors.public(selectors.live_status())
    lang = "en" if language.startswith("en") else "zh"
    context = {
        "status": snapshot,
        "status_json": json.dumps(snapshot, ensure_ascii=False).replace("</", "<\\/"),
        "i18n_json": json.dumps(_strings(), ensure_ascii=False).replace("</", "<\\/"),
        "lang": lang,
        "site_name": snapshot["site"]["name_en"] if lang == "en" else snapshot["site"]["name"],
        "daily_capacity": f"{snapshot['capacity']['daily']:,}",
        **(extra or {}),
    }
    response = render(request, template, context)
    if request.GET.get("lang") in LANGS:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@visitor_page
def visitor(request):
    """The visitor page, in the visitor portal's shell (which owns the language and elderly mode)."""
    return _page(request, "flow/visitor.html")


@require_GET
def screen(request):
    _language(request)  # so the screen's own strings follow ?lang= as well
    strings = {**_strings(), "more": _("+{n} more")}
    i18n_json = json.dumps(strings, ensure_ascii=False).replace("</", "<\\/")
    return _page(request, "flow/screen.html", {"i18n_json": i18n_json})
