"""Deciding: which transitions a user may take on a document now, and why a refused one is refused.

Approvers (roles, users, departments, the requester's manager …), committee votes, conditions on
the document's fields, delegations and escalations all meet here (`available_actions`, `explain`);
`engine.apply` asks the same `_choose` inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from scenic_ops.core.models import User
from scenic_ops.workflow import conditions
from scenic_ops.workflow.errors import Code
from scenic_ops.workflow.models import ApprovalEntry, DocumentTrack, Workflow, WorkflowTransition
from scenic_ops.workflow.services import approvers
from scenic_ops.workflow.services.approvers import Actor, DocContext
from scenic_ops.workflow.services.tracks import (
    Action,
    Kind,
    Refusal,
    _Choice,
    spec_of,
)

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
    from scenic_ops.workflow.services.engine import ensure_track  # starts a track for an old document

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
    from scenic_ops.workflow.services.engine import ensure_track  # starts a track for an old document

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
