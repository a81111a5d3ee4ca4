from .definition import Colour, Workflow, WorkflowState, WorkflowTransition
from .documents import ApprovalRequest
from .rules import (
    AssignmentRule,
    EscalationRule,
    NotificationRule,
    SlaPolicy,
    SlaTarget,
    Webhook,
)
from .runtime import ApprovalEntry, Delegation, DocumentTrack, InboxEntry, Notification

__all__ = [
    "ApprovalEntry",
    "ApprovalRequest",
    "AssignmentRule",
    "Colour",
    "Delegation",
    "DocumentTrack",
    "EscalationRule",
    "InboxEntry",
    "Notification",
    "NotificationRule",
    "SlaPolicy",
    "SlaTarget",
    "Webhook",
    "Workflow",
    "WorkflowState",
    "WorkflowTransition",
]
