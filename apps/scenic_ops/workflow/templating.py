"""Message templates: `{{ field }}` placeholders over a flat dictionary of values, nothing more.

Deliberately not Django's or Jinja's template language: a template stored in the
database by a desk user can only insert values the engine hands it, never reach an
object's attributes or methods. `validate` runs when a rule is saved and says where
a template is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_LENGTH = 4000

# Names every message may use besides the document's fields.
EVENT_NAMES = (
    "document",
    "document_type",
    "state",
    "from_state",
    "action",
    "actor",
    "comment",
    "link",
    "requester",
    "assignee",
    "due",
    "days",
    "event",
)


class TemplateError(ValueError):
    def __init__(self, message: str, position: int | None = None, text: str = ""):
        self.position = position
        where = ""
        if position is not None:
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            where = _("line %(line)d, column %(column)d: ") % {"line": line, "column": column}
        self.message = f"{where}{message}"
        super().__init__(self.message)


def validate(text: str, names: Iterable[str]) -> None:
    """Raise TemplateError unless every placeholder is well formed and names a known value."""
    if not text:
        return
    if len(text) > MAX_LENGTH:
        raise TemplateError(_("the template is longer than %(max)d characters") % {"max": MAX_LENGTH})
    known = set(names)
    for tag in ("{%", "{#"):
        index = text.find(tag)
        if index >= 0:
            raise TemplateError(
                _("“%(tag)s”: only {{ field }} placeholders are supported, no tags or comments") % {"tag": tag},
                index,
                text,
            )
    position = 0
    while True:
        start = text.find("{{", position)
        stray = text.find("}}", position)
        if stray >= 0 and (start < 0 or stray < start):
            raise TemplateError(_("“}}” without a matching “{{”"), stray, text)
        if start < 0:
            return
        match = PLACEHOLDER.match(text, start)
        if match is None:
            end = text.find("}}", start)
            if end < 0:
                raise TemplateError(_("“{{” is not closed with “}}”"), start, text)
            inner = text[start + 2 : end].strip()
            if "." in inner or "|" in inner or "(" in inner:
                raise TemplateError(
                    _("“%(inner)s”: only plain names are allowed, no attributes, filters or calls") % {"inner": inner},
                    start,
                    text,
                )
            raise TemplateError(_("“%(inner)s” is not a valid name") % {"inner": inner}, start, text)
        name = match.group(1)
        if name not in known:
            raise TemplateError(
                _("unknown name “%(name)s” (known names: %(known)s)")
                % {"name": name, "known": ", ".join(sorted(n for n in known if not n.endswith("_id")))},
                start,
                text,
            )
        position = match.end()


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def render(text: str, values: Mapping[str, Any]) -> str:
    """Fill the placeholders; an unknown name renders as empty (validation refuses it earlier)."""
    if not text:
        return ""
    return PLACEHOLDER.sub(lambda m: format_value(values.get(m.group(1))), text)
