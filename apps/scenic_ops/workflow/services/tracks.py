"""The workflow engine's vocabulary and look-ups: what a user may do (`Action`), why not (`Refusal`),
what an action did (`Outcome`), and a document's type, workflow, track and state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType

from scenic_ops.core.models import User
from scenic_ops.workflow import registry
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, DocumentTrack, Workflow, WorkflowTransition
from scenic_ops.workflow.registry import DocumentType
from scenic_ops.workflow.services.approvers import Principal

Kind = ApprovalEntry.Kind


@dataclass
class Action:
    """One thing a user may do now (a button)."""

    action: str
    label: str
    to_state: str
    to_label: str
    comment_required: bool
    transition_id: int
    votes: int = 0  # approvals given so far in this round (committee approvals)
    needed: int = 1
    on_behalf_of: str = ""
    escalated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "label": self.label,
            "to_state": self.to_state,
            "to_label": self.to_label,
            "comment_required": self.comment_required,
            "votes": self.votes,
            "needed": self.needed,
            "on_behalf_of": self.on_behalf_of,
            "escalated": self.escalated,
        }


@dataclass
class Refusal:
    code: str
    context: dict[str, Any]

    def error(self) -> WorkflowError:
        return WorkflowError(self.code, **self.context)


@dataclass
class Outcome:
    moved: bool
    state: str
    entry: ApprovalEntry
    votes: int = 0
    needed: int = 1


@dataclass
class _Choice:
    transition: WorkflowTransition
    principal: Principal | None  # None: acting as an escalation approver
    seats: list[str]
    votes: int
    needed: int


# --- lookups -------------------------------------------------------------------


def spec_of(document: Any) -> DocumentType:
    spec = registry.of(document)
    if spec is None:
        raise WorkflowError(Code.NOT_REGISTERED, document_type=registry.key_of(document))
    return spec


def active_workflow(document_type: str) -> Workflow | None:
    return Workflow.objects.filter(document_type=document_type, is_active=True).order_by("pk").first()


def _track_qs(document: Any):
    ct = ContentType.objects.get_for_model(type(document))
    return DocumentTrack.objects.filter(content_type=ct, object_id=str(document.pk))


def track_of(document: Any) -> DocumentTrack | None:
    return _track_qs(document).select_related("workflow", "requester", "department", "assignee").first()


def _db_state(document: Any, spec: DocumentType) -> str:
    return type(document)._default_manager.filter(pk=document.pk).values_list(spec.state_field, flat=True).first() or ""


def _set_state(document: Any, spec: DocumentType, value: str) -> None:
    setattr(document, spec.state_field, value)
    loaded = getattr(document, "_audit_loaded", None)
    if isinstance(loaded, dict):
        loaded[spec.state_field] = value  # the audit diff of a later save should not repeat it


def _name(user: Any) -> str:
    return str(user)[:150] if user is not None else ""


def _snapshot(track: DocumentTrack, spec: DocumentType, document: Any) -> None:
    track.title = spec.title_of(document)
    requester = spec.requester_of(document)
    track.requester = requester if isinstance(requester, User) else None
    department = spec.department_of(document)
    track.department = department if department is not None and hasattr(department, "head_id") else None
