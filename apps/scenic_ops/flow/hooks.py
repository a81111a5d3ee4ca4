"""Visitor flow's hooks: what it tells other domains, and what it reacts to.

Emitted (levels are codes: "normal", "yellow", "orange", "red"):
- `flow.level_changed` — a warning level of the site (`zone_code` None) or a key spot changed.
- `flow.levels_standing` — every minute, the levels at orange or above (`levels`: dicts with
  zone_code, zone_name, level, since, count, capacity), so listeners that missed a change
  catch up; listeners must be idempotent (key on `since`).
- `flow.sales_halt_changed` (strict) — the sale of `day` must stop (`halted` True) or may resume.
  Ticketing records it; if it cannot, the halt fails too.

Listened to:
- `operations.alarm_raised` with `site_warning`: the site's safety warning is raised (banner,
  big screen, staff told) until `operations.alarm_cleared` of the same source.
"""

from __future__ import annotations

from scenic_ops.core import hooks

LEVEL_CHANGED = hooks.define(
    "flow.level_changed",
    ("change_id", "zone_code", "zone_name", "from_level", "to_level", "at", "cause", "count", "capacity", "now"),
    doc="A warning level changed (site: zone_code None).",
)
LEVELS_STANDING = hooks.define(
    "flow.levels_standing", ("levels", "now"), doc="Every minute: the levels at orange or above."
)
SALES_HALT_CHANGED = hooks.define(
    "flow.sales_halt_changed",
    ("day", "halted", "reason", "now"),
    doc="The sale of a day's remaining slots must stop, or may resume.",
    strict=True,
)
SAFETY_WARNING_RAISED = "site_warning_raised"  # what `operations.alarm_raised` listeners answer


@hooks.listen("operations.alarm_raised")
def raise_site_warning(*, source, title, site_warning, now, **_payload):
    """A special-equipment alarm asks for the site's safety warning."""
    if not site_warning:
        return None
    from scenic_ops.flow.services import raise_safety_warning

    raise_safety_warning(source=source, reason=title, level="orange", now=now)
    return SAFETY_WARNING_RAISED


@hooks.listen("operations.alarm_cleared")
def clear_site_warning(*, source, now, **_payload):
    from scenic_ops.flow.services import clear_safety_warning

    return clear_safety_warning(source=source, now=now)
