"""Workflow events: emitted inside the transaction of the change, handled there too.

Handlers run in this order: assignment rules, notification rules, webhooks, then the
document's own domain (`on_event` given to registry.register). Messages leave through
the outbox, so they are sent only if the change commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from scenic_ops.workflow.models import DocumentTrack
from scenic_ops.workflow.registry import DocumentType


@dataclass
class Event:
    name: str  # created, state_entered, transition, field_changed, assigned, escalated, sla_warning, ...
    document: Any
    spec: DocumentType
    track: DocumentTrack | None
    now: dt.datetime
    key: str  # unique per occurrence; used to de-duplicate messages
    actor: Any = None
    on_behalf_of: Any = None
    action: str = ""
    action_label: str = ""
    from_state: str = ""
    to_state: str = ""
    comment: str = ""
    fields: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def document_type(self) -> str:
        return self.spec.key


def emit(event: Event) -> None:
    from scenic_ops.workflow.services import assignment, notifications, webhooks

    assignment.on_event(event)
    notifications.on_event(event)
    webhooks.on_event(event)
    if event.spec.on_event is not None:
        event.spec.on_event(event)
