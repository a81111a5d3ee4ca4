"""What operations tells other domains.

- `operations.alarm_raised` — an alarm opened: `source` ("operations.alarm:<id>"), a readable
  `title` and `description`, where it is (`zone_code`, `latitude`, `longitude`), and what its rule
  asks of others: an emergency incident of kind `incident_kind` (service opens it; "" for none)
  and/or the site's safety warning (`site_warning`; visitor flow raises it). A listener that raised
  the warning returns "site_warning_raised"; when none did, operations tells managers directly.
- `operations.alarm_cleared` — the alarm of `source` was cleared (the safety warning is lifted).
"""

from __future__ import annotations

from scenic_ops.core import hooks

ALARM_RAISED = hooks.define(
    "operations.alarm_raised",
    ("source", "title", "description", "zone_code", "latitude", "longitude", "incident_kind", "site_warning", "now"),
    doc="An alarm opened and its rule asks for an incident and/or the site's safety warning.",
)
SAFETY_WARNING = "site_warning_raised"
ALARM_CLEARED = hooks.define("operations.alarm_cleared", ("source", "now"), doc="An alarm was cleared.")
