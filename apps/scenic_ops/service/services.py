"""Visitor service's door: the state changes other domains and the UI may call.

The work lives in one module per concept — `complaints` (complaints and suggestions with their
SLA), `incidents` (raising emergencies and starting their plans), `incident_work` (tasks, command, closing), `dispatch` (resource dispatch: vehicles,
people and materials sent where they are needed; stock and energy), `opinion` (public opinion),
`triggers` (what other domains' events open, through `hooks`). Other domains import from here.
"""

from scenic_ops.service.complaints import file_complaint, lookup, rate, send_reply
from scenic_ops.service.dispatch import (
    count_stock,
    issue_stock,
    receive_stock,
    record_reading,
    request_dispatch,
)
from scenic_ops.service.incident_work import (
    acknowledge_task,
    add_note,
    close,
    complete_task,
    contain,
    start_drill,
    take_command,
)
from scenic_ops.service.incidents import raise_incident, set_level
from scenic_ops.service.opinion import complaint_from_mention, ingest, link_to_complaint

__all__ = [
    "acknowledge_task",
    "add_note",
    "close",
    "complaint_from_mention",
    "complete_task",
    "contain",
    "count_stock",
    "file_complaint",
    "ingest",
    "issue_stock",
    "link_to_complaint",
    "lookup",
    "raise_incident",
    "rate",
    "receive_stock",
    "record_reading",
    "request_dispatch",
    "send_reply",
    "set_level",
    "start_drill",
    "take_command",
]
