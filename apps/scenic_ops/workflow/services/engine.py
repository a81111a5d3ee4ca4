"""The workflow engine: start a document, list what a user may do, apply an action.

Every change happens in one transaction: the document's track row is locked
(`select_for_update`), the document's state is re-read, the state moves with a
conditional UPDATE (`WHERE state = <from>`), the approval entry and the audit record
are written, and the events (notifications, assignment, webhooks, the domain's hook)
are handled — their messages go to the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import audit
from scenic_ops.core.models import AuditEvent, User
from scenic_ops.workflow import conditions, registry
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, DocumentTrack, Workflow, WorkflowState, WorkflowTransition
from scenic_ops.workflow.registry import DocumentType
from scenic_ops.workflow.services import approvers, sla
from scenic_ops.workflow.services.approvers import Actor, DocContext, Principal
from scenic_ops.workflow.services.events import Event, emit

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


# --- deciding ------------------------------------------------------------------


def _votes(track: DocumentTrack, t: WorkflowTransition) -> list[ApprovalEntry]:
    cached = getattr(track, "_wf_votes", None)
    if cached is None:
        cached = list(
            ApprovalEntry.objects.filter(track=track, round=track.round, kind__in=[Kind.VOTE, Kind.TRANSITION])
        )
        track._wf_votes = cached
    return [e for e in cached if e.transition_id == t.pk]


def _condition_holds(t: WorkflowTransition, ctx: DocContext) -> tuple[bool, str]:
    if not t.condition:
        return True, ""
    try:
        return conditions.evaluate(t.condition, ctx.values()), t.condition
    except conditions.ConditionError as exc:
        return False, f"{t.condition} ({exc.message})"


def _decide(
    t: WorkflowTransition, ctx: DocContext, actor: Actor, escalated: bool
) -> tuple[_Choice | None, Refusal | None]:
    """May `actor` take `t` now (the condition already holds)? Returns a choice or a refusal."""
    requester_id = ctx.requester_id
    label = t.display_label
    own = not t.allow_self_approval and requester_id is not None and actor.user.pk == requester_id
    needed = approvers.seats_needed(t, ctx)
    votes = _votes(ctx.track, t) if t.approval_mode != "any" else []
    for principal in actor.principals_for(ctx.spec.key):
        seats = approvers.seats_for(t, ctx, principal)
        if not seats:
            continue
        if own or (not t.allow_self_approval and principal.user.pk == requester_id):
            return None, Refusal(Code.SELF_APPROVAL, {"action": label})
        if t.approval_mode == "any":
            return _Choice(t, principal, seats, 0, 1), None
        voters = {e.actor_id for e in votes} | {e.on_behalf_of_id for e in votes if e.on_behalf_of_id}
        if actor.user.pk in voters or principal.user.pk in voters:
            return None, Refusal(Code.ALREADY_VOTED, {"action": label})
        filled = {e.seat: e for e in votes}
        open_seats = [s for s in seats if s not in filled]
        if not open_seats:
            first = filled[seats[0]]
            return None, Refusal(
                Code.SEAT_FILLED, {"seat": approvers.seat_label(seats[0]), "actor": first.actor_display}
            )
        return _Choice(t, principal, open_seats, len(filled), needed), None
    if escalated:
        if own:
            return None, Refusal(Code.SELF_APPROVAL, {"action": label})
        return _Choice(t, None, ["escalation"], 0, 1), None
    return None, Refusal(Code.NOT_ALLOWED, {"action": label, "who": approvers.describe(t)})


def _choose(
    workflow: Workflow, state: str, action: str, ctx: DocContext, actor: Actor, escalated: bool
) -> tuple[_Choice | None, Refusal | None]:
    candidates = [t for t in workflow.transition_list() if t.from_state == state and t.action == action]
    if not candidates:
        return None, Refusal(Code.UNKNOWN_ACTION, {"action": action, "state": workflow.label_of(state)})
    auth_refusal = cond_refusal = None
    for t in candidates:
        holds, why = _condition_holds(t, ctx)
        if not holds:
            cond_refusal = cond_refusal or Refusal(
                Code.CONDITION_FALSE, {"action": t.display_label, "condition": f"“{why}”"}
            )
            continue
        choice, refusal = _decide(t, ctx, actor, escalated)
        if choice is not None:
            return choice, None
        auth_refusal = auth_refusal or refusal
    return None, auth_refusal or cond_refusal


def _is_escalated(track: DocumentTrack, user: User) -> bool:
    cached = getattr(track, "_wf_escalated", None)
    if cached is None:
        cached = set(track.escalated_to.values_list("pk", flat=True)) if track.escalation_level else set()
        track._wf_escalated = cached
    return user.pk in cached


def available_actions(
    document: Any,
    user: User,
    *,
    now: dt.datetime | None = None,
    track: DocumentTrack | None = None,
    heads: approvers.DeptHeads | None = None,
) -> list[Action]:
    """The actions `user` may take on `document` now, one per action code, in order."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    now = now or timezone.now()
    spec = spec_of(document)
    track = track or ensure_track(document, now=now)
    if track is None or track.workflow is None or track.state_removed:
        return []
    workflow = track.workflow
    ctx = DocContext(document, spec, track, heads or approvers.DeptHeads())
    actor = Actor.of(user, now)
    escalated = _is_escalated(track, user)
    out: list[Action] = []
    seen: set[str] = set()
    for t in workflow.transition_list():
        if t.from_state != track.state or t.action in seen:
            continue
        seen.add(t.action)
        choice, _refusal = _choose(workflow, track.state, t.action, ctx, actor, escalated)
        if choice is None:
            continue
        chosen = choice.transition
        out.append(
            Action(
                action=chosen.action,
                label=chosen.display_label,
                to_state=chosen.to_state,
                to_label=workflow.label_of(chosen.to_state),
                comment_required=chosen.comment_required,
                transition_id=chosen.pk,
                votes=choice.votes,
                needed=choice.needed,
                on_behalf_of=str(choice.principal.user)
                if choice.principal and choice.principal.delegation is not None
                else "",
                escalated=choice.principal is None,
            )
        )
    return out


def explain(document: Any, user: User, action: str, *, now: dt.datetime | None = None) -> Refusal | None:
    """Why `user` may not take `action` now (None if they may)."""
    now = now or timezone.now()
    spec = spec_of(document)
    track = ensure_track(document, now=now)
    if track is None or track.workflow is None:
        return Refusal(Code.NO_WORKFLOW, {"document_type": spec.label})
    if track.state_removed:
        return Refusal(Code.REMOVED_STATE, {"state": track.state})
    ctx = DocContext(document, spec, track)
    _choice, refusal = _choose(
        track.workflow, track.state, action, ctx, Actor.of(user, now), _is_escalated(track, user)
    )
    return refusal


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
