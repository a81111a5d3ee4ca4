"""`portal` in every template context: what the visitor shell (portal/base.html) shows."""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import SimpleLazyObject

from scenic_ops.portal import shell


def _shell(request) -> dict:
    from scenic_ops.core.services import site_profile

    profile = site_profile()
    english = (translation.get_language() or "").startswith("en")
    return {
        "elder": shell.elder_mode(request),
        "lang": "en" if english else "zh",
        "site_name": (profile.name_en or profile.name) if english else profile.name,
        "next": shell.clean_path(request),
        "nav": shell.nav(request.path),
        "section": shell.section(request.path),
    }


def portal(request) -> dict:
    # Lazy: desk pages render with this processor too and never pay for it.
    return {"portal": SimpleLazyObject(lambda: _shell(request))}
