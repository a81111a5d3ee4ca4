"""Error codes of the workflow engine, with readable messages."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class Code(StrEnum):
    NOT_REGISTERED = "workflow_not_registered"
    NO_WORKFLOW = "workflow_missing"
    UNKNOWN_ACTION = "workflow_unknown_action"
    NOT_ALLOWED = "workflow_not_allowed"
    SELF_APPROVAL = "workflow_self_approval"
    CONDITION_FALSE = "workflow_condition_false"
    COMMENT_REQUIRED = "workflow_comment_required"
    STATE_CHANGED = "workflow_state_changed"
    ALREADY_VOTED = "workflow_already_voted"
    SEAT_FILLED = "workflow_seat_filled"
    REMOVED_STATE = "workflow_removed_state"
    UNKNOWN_STATE = "workflow_unknown_state"
    NOT_ADMIN = "workflow_not_admin"
    NOT_EDITABLE = "workflow_not_editable"
    BAD_ASSIGNEE = "workflow_bad_assignee"
    BAD_DELEGATION = "workflow_bad_delegation"


MESSAGES = {
    Code.NOT_REGISTERED: _("Documents of type {document_type} are not driven by workflows."),
    Code.NO_WORKFLOW: _("No active workflow is attached to {document_type}."),
    Code.UNKNOWN_ACTION: _("“{action}” is not an action of the state “{state}”."),
    Code.NOT_ALLOWED: _("You may not take “{action}” on this document: it needs {who}."),
    Code.SELF_APPROVAL: _("You raised this document, and “{action}” may not be taken by its requester."),
    Code.CONDITION_FALSE: _("“{action}” is not possible now: the condition {condition} is not met."),
    Code.COMMENT_REQUIRED: _("“{action}” needs a comment."),
    Code.STATE_CHANGED: _(
        "This document has just been moved to “{state}” by {actor} at {at}; reload it and check the available actions."
    ),
    Code.ALREADY_VOTED: _("You have already approved “{action}” in this round."),
    Code.SEAT_FILLED: _("The approval you can give ({seat}) has already been given by {actor}."),
    Code.REMOVED_STATE: _(
        "This document is in the state “{state}”, which its workflow no longer has; an administrator must move it."
    ),
    Code.UNKNOWN_STATE: _("The workflow has no state “{state}”."),
    Code.NOT_ADMIN: _("Only an administrator may move a document to a state of their choice."),
    Code.NOT_EDITABLE: _("This document cannot be edited in the state “{state}”."),
    Code.BAD_ASSIGNEE: _("This user cannot be given the document: {reason}."),
    Code.BAD_DELEGATION: _("The delegation is not valid: {reason}."),
}


STATUS = {
    Code.NOT_REGISTERED: 404,
    Code.NO_WORKFLOW: 409,
    Code.UNKNOWN_ACTION: 400,
    Code.NOT_ALLOWED: 403,
    Code.SELF_APPROVAL: 403,
    Code.CONDITION_FALSE: 403,
    Code.COMMENT_REQUIRED: 400,
    Code.STATE_CHANGED: 409,
    Code.ALREADY_VOTED: 409,
    Code.SEAT_FILLED: 409,
    Code.REMOVED_STATE: 409,
    Code.UNKNOWN_STATE: 400,
    Code.NOT_ADMIN: 403,
    Code.NOT_EDITABLE: 403,
    Code.BAD_ASSIGNEE: 400,
    Code.BAD_DELEGATION: 400,
}


class WorkflowError(DomainError):
    messages = MESSAGES
    statuses = STATUS
