"""The workflow engine's public functions. Other domains call these, never the tables.

from scenic_ops.workflow import services as workflow

workflow.start(ticket, user)                       # after creating a document
workflow.available_actions(ticket, user)           # the buttons to show
workflow.apply(ticket, "approve", user, comment)   # raises WorkflowError with a reason
workflow.can_edit(ticket, user)                    # the state's edit roles
workflow.document_changed(ticket, ["priority"], user)
"""

from scenic_ops.workflow.services.assignment import reassign
from scenic_ops.workflow.services.engine import (
    Action,
    Outcome,
    active_workflow,
    apply,
    available_actions,
    can_edit,
    document_changed,
    ensure_track,
    explain,
    force_state,
    history,
    history_rows,
    start,
    track_of,
)
from scenic_ops.workflow.services.events import Event

__all__ = [
    "Action",
    "Event",
    "Outcome",
    "active_workflow",
    "apply",
    "available_actions",
    "can_edit",
    "document_changed",
    "ensure_track",
    "explain",
    "force_state",
    "history",
    "history_rows",
    "reassign",
    "start",
    "track_of",
]
