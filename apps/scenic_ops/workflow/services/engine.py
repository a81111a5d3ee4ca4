"""The workflow engine: start a document, apply an action, move it by hand, and its history.

Every change happens in one transaction: the document's track row is locked
(`select_for_update`), the document's state is re-read, the state moves with a
conditional UPDATE (`WHERE state = <from>`), the approval entry and the audit record
are written, and the events (notifications, assignment, webhooks, the domain's hook)
are handled — their messages go to the outbox in the same transaction. What a user may do
is decided in `decisions`; the vocabulary and look-ups are in `tracks`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import audit
from scenic_ops.core.models import AuditEvent, User
from scenic_ops.workflow import registry
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, DocumentTrack, WorkflowState
from scenic_ops.workflow.registry import DocumentType
from scenic_ops.workflow.services import approvers, sla
from scenic_ops.workflow.services.approvers import Actor, DocContext
from scenic_ops.workflow.services.decisions import (  # noqa: F401
    _choose,
    _decide,
    _is_escalated,
    available_actions,
    explain,
)
from scenic_ops.workflow.services.events import Event, emit
from scenic_ops.workflow.services.tracks import (  # noqa: F401
    Action,
    Kind,
    Outcome,
    Refusal,
    _db_state,
    _name,
    _set_state,
    _snapshot,
    _track_qs,
    active_workflow,
    spec_of,
    track_of,
)

# --- starting ------------------------------------------------------------------


def start(document: Any, user: Any = None, *, now: dt.datetime | None = None, announce: bool = True):
    """Put a newly created document under its type's active workflow (idempotent).

    Sets the initial state when the document has none. Returns the track, or None when
    no workflow is attached to the document type (documents then simply have no flow).
    """
    now = now or timezone.now()
    spec = spec_of(document)
    with transaction.atomic():
        existing = _track_qs(document).select_for_update().first()
        if existing is not None:
            return existing
        workflow = active_workflow(spec.key)
        if workflow is None:
            return None
        initial = workflow.initial_state()
        if initial is None:
            raise WorkflowError(Code.NO_WORKFLOW, document_type=spec.label)
        state = _db_state(document, spec)
        if not state:
            model = type(document)
            model._default_manager.filter(pk=document.pk, **{spec.state_field: state}).update(
                **{spec.state_field: initial.code}
            )
            state = _db_state(document, spec)
        _set_state(document, spec, state)
        track = DocumentTrack(
            content_type=ContentType.objects.get_for_model(type(document)),
            object_id=str(document.pk),
            document_type=spec.key,
            workflow=workflow,
            state=state,
            state_entered_at=now,
        )
        _snapshot(track, spec, document)
        state_def = workflow.state_map().get(state)
        track.is_open = not (state_def and state_def.is_final)
        sla.start(track, spec, document, now)
        if state_def is not None and state_def.pauses_sla and track.sla_policy_id:
            track.paused_since = now
            track.sla_status = sla.status(track, now)
        try:
            with transaction.atomic():
                track.save()
        except IntegrityError:  # started concurrently: the other one won
            return _track_qs(document).select_related("workflow").get()
        entry = ApprovalEntry.objects.create(
            track=track,
            kind=Kind.START,
            round=track.round,
            to_state=state,
            to_label=workflow.stored_label(state),
            actor=user if getattr(user, "pk", None) else None,
            actor_name=_name(user) or _("system"),
            at=now,
        )
        if announce:
            common = {"document": document, "spec": spec, "track": track, "now": now, "actor": user}
            emit(Event("created", key=f"e{entry.pk}", to_state=state, **common))
            emit(Event("state_entered", key=f"e{entry.pk}", to_state=state, **common))
    return track


def ensure_track(document: Any, *, now: dt.datetime | None = None) -> DocumentTrack | None:
    """The document's track; documents created before their workflow existed get one now."""
    track = track_of(document)
    if track is None:
        track = start(document, now=now, announce=False)
        if track is not None:
            track = track_of(document)
    return track


# --- acting --------------------------------------------------------------------


def _state_changed(track: DocumentTrack) -> WorkflowError:
    last = track.entries.filter(kind__in=[Kind.TRANSITION, Kind.FORCE]).order_by("-at", "-id").first()
    return WorkflowError(
        Code.STATE_CHANGED,
        state=track.state_label,
        actor=last.actor_display if last else _("someone"),
        at=timezone.localtime(last.at).strftime("%H:%M:%S") if last else "",
    )


def _lock(document: Any, spec: DocumentType, now: dt.datetime) -> DocumentTrack:
    track = _track_qs(document).select_for_update().first()
    if track is None:
        start(document, now=now, announce=False)
        track = _track_qs(document).select_for_update().first()
        if track is None:
            raise WorkflowError(Code.NO_WORKFLOW, document_type=spec.label)
    return DocumentTrack.objects.select_related("workflow", "requester", "department", "assignee").get(pk=track.pk)


@transaction.atomic
def apply(
    document: Any,
    action: str,
    user: User,
    comment: str = "",
    *,
    now: dt.datetime | None = None,
) -> Outcome:
    """Take `action` on `document` as `user`. Raises WorkflowError (with a reason) and changes nothing if refused.

    The state the caller saw is the document's state attribute: if someone moved the
    document in the meantime, the call fails with `workflow_state_changed` (409).
    """
    now = now or timezone.now()
    comment = (comment or "").strip()
    spec = spec_of(document)
    seen = getattr(document, spec.state_field) or ""
    track = _lock(document, spec, now)
    current = _db_state(document, spec)
    if track.state != current:  # moved outside the engine: follow the document
        track.state = current
    if seen and current != seen:
        raise _state_changed(track)
    workflow = track.workflow
    if workflow is None:
        raise WorkflowError(Code.NO_WORKFLOW, document_type=spec.label)
    if track.state_removed:
        raise WorkflowError(Code.REMOVED_STATE, state=current)
    _snapshot(track, spec, document)
    ctx = DocContext(document, spec, track)
    choice, refusal = _choose(workflow, current, action, ctx, Actor.of(user, now), _is_escalated(track, user))
    if choice is None:
        raise refusal.error()
    t = choice.transition
    if t.comment_required and not comment:
        raise WorkflowError(Code.COMMENT_REQUIRED, action=t.display_label)
    principal = choice.principal
    on_behalf = principal.user if principal is not None and principal.delegation is not None else None
    entry_fields = {
        "track": track,
        "round": track.round,
        "transition": t,
        "seat": choice.seats[0],
        "action": t.action,
        "action_label": t.label or t.action,
        "from_state": current,
        "from_label": workflow.stored_label(current),
        "to_state": t.to_state,
        "to_label": workflow.stored_label(t.to_state),
        "actor": user,
        "actor_name": _name(user),
        "on_behalf_of": on_behalf,
        "on_behalf_of_name": _name(on_behalf),
        "comment": comment,
        "at": now,
    }
    if principal is not None and t.approval_mode != "any" and choice.votes + 1 < choice.needed:
        entry = ApprovalEntry.objects.create(kind=Kind.VOTE, **entry_fields)
        audit.record(
            AuditEvent.Action.ACTION,
            document,
            user=user,
            message=f"{t.display_label} ({choice.votes + 1}/{choice.needed}) {comment}"[:500],
        )
        return Outcome(False, current, entry, choice.votes + 1, choice.needed)
    return _move(document, spec, track, t, user, on_behalf, current, entry_fields, choice, now)


def _move(document, spec, track, t, user, on_behalf, current, entry_fields, choice, now) -> Outcome:
    workflow = track.workflow
    model = type(document)
    updated = model._default_manager.filter(pk=document.pk, **{spec.state_field: current}).update(
        **{spec.state_field: t.to_state}
    )
    if updated != 1:
        raise _state_changed(track)
    _set_state(document, spec, t.to_state)
    entry = ApprovalEntry.objects.create(kind=Kind.TRANSITION, **entry_fields)
    from_def, to_def = workflow.state_map().get(current), workflow.state_map().get(t.to_state)
    _enter(track, t.to_state, to_def, now)
    sla.on_transition(track, from_def, to_def, now, responded=user.pk != track.requester_id)
    track.save()
    message = f"{t.display_label}: {entry.from_label} → {entry.to_label}"
    if entry.comment:
        message += f" — {entry.comment}"
    audit.record(
        AuditEvent.Action.TRANSITION,
        document,
        user=user,
        changes={spec.state_field: [current, t.to_state]},
        message=message,
    )
    common = {
        "document": document,
        "spec": spec,
        "track": track,
        "now": now,
        "actor": user,
        "on_behalf_of": on_behalf,
        "action": t.action,
        "action_label": t.display_label,
        "from_state": current,
        "to_state": t.to_state,
        "comment": entry.comment,
    }
    emit(Event("transition", key=f"e{entry.pk}", **common))
    emit(Event("state_entered", key=f"e{entry.pk}", **common))
    votes = choice.votes + 1 if choice.principal is not None and t.approval_mode != "any" else 0
    return Outcome(True, t.to_state, entry, votes, choice.needed)


def _enter(track: DocumentTrack, state: str, state_def: WorkflowState | None, now: dt.datetime) -> None:
    track.state = state
    track.round += 1
    track.state_entered_at = now
    track.is_open = not (state_def is not None and state_def.is_final)
    track.escalation_level = 0
    track.escalations_fired = []
    track.escalated_to.clear()
    for attr in ("_wf_votes", "_wf_escalated"):
        if hasattr(track, attr):
            delattr(track, attr)


@transaction.atomic
def force_state(
    document: Any,
    to_state: str,
    user: User,
    comment: str,
    *,
    now: dt.datetime | None = None,
) -> ApprovalEntry:
    """An administrator moves a document to any state of its type's active workflow.

    This is how documents left in a state that was removed from the workflow move on.
    """
    now = now or timezone.now()
    spec = spec_of(document)
    if not user.has_perm("workflow.force_state"):
        raise WorkflowError(Code.NOT_ADMIN)
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError(Code.COMMENT_REQUIRED, action=_("Move to state"))
    track = _lock(document, spec, now)
    workflow = active_workflow(spec.key) or track.workflow
    if workflow is None:
        raise WorkflowError(Code.NO_WORKFLOW, document_type=spec.label)
    to_def = workflow.state_map().get(to_state)
    if to_def is None:
        raise WorkflowError(Code.UNKNOWN_STATE, state=to_state)
    current = _db_state(document, spec)
    old_label = track.workflow.stored_label(current) if track.workflow else current
    type(document)._default_manager.filter(pk=document.pk, **{spec.state_field: current}).update(
        **{spec.state_field: to_state}
    )
    _set_state(document, spec, to_state)
    from_def = track.workflow.state_map().get(current) if track.workflow else None
    track.workflow = workflow
    entry = ApprovalEntry.objects.create(
        track=track,
        kind=Kind.FORCE,
        round=track.round,
        action="force",
        action_label=_("Moved by an administrator"),
        from_state=current,
        from_label=old_label,
        to_state=to_state,
        to_label=to_def.label,
        actor=user,
        actor_name=_name(user),
        comment=comment,
        at=now,
    )
    _enter(track, to_state, to_def, now)
    sla.on_transition(track, from_def, to_def, now, responded=False)
    track.save()
    audit.record(
        AuditEvent.Action.TRANSITION,
        document,
        user=user,
        changes={spec.state_field: [current, to_state]},
        message=f"{entry.action_label}: {old_label} → {to_def.display_label} — {comment}"[:500],
    )
    emit(
        Event(
            "state_entered",
            document=document,
            spec=spec,
            track=track,
            now=now,
            key=f"e{entry.pk}",
            actor=user,
            action="force",
            from_state=current,
            to_state=to_state,
            comment=comment,
        )
    )
    return entry


def can_edit(document: Any, user: User) -> bool:
    """May `user` change the document's fields in its current state (the state's edit roles)?"""
    spec = registry.of(document)
    if spec is None or document.pk is None:
        return True
    track = track_of(document)
    if track is None or track.workflow is None:
        return True
    if user.is_superuser:
        return True
    state = track.workflow.state_map().get(track.state)
    if state is None:
        return False
    if state.requester_may_edit and track.requester_id == user.pk:
        return True
    return bool(set(state.edit_roles) & approvers.role_codes(user))


@transaction.atomic
def document_changed(document: Any, fields: list[str], user: Any = None, *, now: dt.datetime | None = None) -> None:
    """Tell the engine that the domain changed these fields (for “field changed” rules)."""
    now = now or timezone.now()
    spec = registry.of(document)
    fields = [f for f in fields if f != (spec.state_field if spec else None)]
    if spec is None or not fields:
        return
    track = _track_qs(document).select_for_update().first()
    if track is None:
        return
    _snapshot(track, spec, document)
    track.save(update_fields=["title", "requester", "department", "updated_at"])
    stamp = int(now.timestamp() * 1000)
    emit(
        Event(
            "field_changed",
            document=document,
            spec=spec,
            track=track,
            now=now,
            key=f"f{track.pk}:{stamp}",
            actor=user,
            fields=tuple(fields),
        )
    )


def history(document: Any):
    track = track_of(document)
    if track is None:
        return ApprovalEntry.objects.none()
    return track.entries.select_related("actor", "on_behalf_of").order_by("at", "id")


def history_rows(document: Any) -> list[ApprovalEntry]:
    """The history for display: labels in the reader's language where the workflow still has them.

    Entries store the labels of the moment (in the workflow's own, Chinese, wording) so that
    renamed or removed states still read as they were.
    """
    track = track_of(document)
    if track is None:
        return []
    workflow = track.workflow
    states = workflow.state_map() if workflow else {}
    rows = list(track.entries.select_related("actor", "on_behalf_of", "transition").order_by("at", "id"))
    for e in rows:
        e.from_text = states[e.from_state].display_label if e.from_state in states else e.from_label
        e.to_text = states[e.to_state].display_label if e.to_state in states else e.to_label
        moved = e.kind in (Kind.TRANSITION, Kind.VOTE) and e.transition_id
        e.action_text = e.transition.display_label if moved else e.action_label or e.get_kind_display()
    return rows
