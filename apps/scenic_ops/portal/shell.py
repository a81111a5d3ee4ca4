"""The visitor shell every visitor page shares: the section navigation of `portal/base.html`.

The page settings themselves (language, elderly mode) are the platform's (`core.visitor`), so
every domain's visitor view can use them; the portal owns the look, the home page and how the
sections link to each other.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.visitor import (  # noqa: F401  (the shell's settings, for the portal's views)
    clean_path,
    elder_mode,
    remember_elder_mode,
    visitor_page,
)

# (key, label, URL, path prefixes that belong to the section)
NAV = [
    ("home", _("Home"), "/", ()),
    ("book", _("Book tickets"), "/book/", ("/book/", "/o/", "/t/", "/pay/")),
    ("shop", _("Shop"), "/shop/", ("/shop/",)),
    ("my", _("My orders"), "/my/", ("/my/",)),
    ("flow", _("Live visitor flow"), "/flow/", ("/flow/",)),
    ("service", _("Complaints & suggestions"), "/service/", ("/service/",)),
    ("sos", _("SOS"), "/service/sos/", ("/service/sos/",)),
]


def section(path: str) -> str:
    best, length = "", 0
    for key, _label, url, prefixes in NAV:
        if path == url and key == "home":
            return key
        for prefix in prefixes:
            if path.startswith(prefix) and len(prefix) > length:
                best, length = key, len(prefix)
    return best


def nav(path: str) -> list[dict]:
    current = section(path)
    return [{"key": key, "label": label, "url": url, "current": key == current} for key, label, url, _p in NAV]
