"""Assignment rules: give a document to one person of a role, and record every (re-)assignment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import services as core_services
from scenic_ops.core.models import User
from scenic_ops.workflow import conditions
from scenic_ops.workflow.errors import Code, WorkflowError
from scenic_ops.workflow.models import ApprovalEntry, AssignmentRule, DocumentTrack
from scenic_ops.workflow.services.events import Event, emit


def on_event(event: Event) -> None:
    if event.track is None or event.name not in ("created", "state_entered"):
        return
    trigger = AssignmentRule.Trigger.CREATED if event.name == "created" else AssignmentRule.Trigger.STATE
    rules = AssignmentRule.objects.filter(enabled=True, document_type=event.document_type, trigger=trigger)
    values = None
    for rule in rules.order_by("-priority", "name"):
        if trigger == AssignmentRule.Trigger.STATE and rule.state != event.to_state:
            continue
        if rule.condition:
            values = values if values is not None else event.spec.values(event.document)
            try:
                if not conditions.evaluate(rule.condition, values):
                    continue
            except conditions.ConditionError:
                continue
        if rule.keep_assignee and event.track.assignee_id:
            qualified = core_services.users_with_role(rule.role).filter(pk=event.track.assignee_id).exists()
            if qualified:
                return
        user, note = pick(rule, event)
        if user is None:
            continue
        if user.pk != event.track.assignee_id:
            assign(event.track, user, by=None, comment=note, now=event.now, rule=rule, document=event.document)
        return


def _open_counts(user_ids: list[int]) -> dict[int, int]:
    rows = (
        DocumentTrack.objects.filter(is_open=True, assignee_id__in=user_ids)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def _after_cursor(candidates: list[User], cursor_id: int | None) -> list[User]:
    """Candidates in round-robin order, starting after the last one given work."""
    if cursor_id is None:
        return candidates
    later = [u for u in candidates if u.pk > cursor_id]
    earlier = [u for u in candidates if u.pk <= cursor_id]
    return later + earlier


def pick(rule: AssignmentRule, event: Event) -> tuple[User | None, str]:
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)  # one cursor move at a time
    candidates = list(core_services.users_with_role(rule.role).order_by("pk"))
    if not candidates:
        return None, ""
    note = rule.get_strategy_display()
    if rule.strategy == AssignmentRule.Strategy.ZONE_SKILL:
        matched = _matching(candidates, event)
        if matched:
            candidates = matched
        else:
            note = _("no one matches the zone and skill; least open work among the role")
    ordered = _after_cursor(candidates, rule.last_assigned_id)
    if rule.strategy != AssignmentRule.Strategy.ROUND_ROBIN:
        counts = _open_counts([u.pk for u in ordered])
        fewest = min(counts.get(u.pk, 0) for u in ordered)
        ordered = [u for u in ordered if counts.get(u.pk, 0) == fewest]
    chosen = ordered[0]
    AssignmentRule.objects.filter(pk=rule.pk).update(last_assigned=chosen)
    return chosen, f"{rule.name}: {note}"


def _matching(candidates: list[User], event: Event) -> list[User]:
    spec, document = event.spec, event.document
    zone_id = getattr(document, f"{spec.zone_field}_id", None) if spec.zone_field else None
    skill = str(getattr(document, spec.skill_field, "") or "") if spec.skill_field else ""
    matched = candidates
    if zone_id:
        in_zone = set(User.zones.through.objects.filter(zone_id=zone_id).values_list("user_id", flat=True))
        matched = [u for u in matched if u.pk in in_zone]
    if skill:
        matched = [u for u in matched if skill in (u.skills or [])]
    return matched


def assign(
    track: DocumentTrack,
    user: User,
    *,
    by: Any = None,
    comment: str = "",
    now: dt.datetime | None = None,
    rule: AssignmentRule | None = None,
    document: Any = None,
) -> ApprovalEntry:
    """Give the document to `user` (inside the caller's transaction, track locked or fresh)."""
    now = now or timezone.now()
    previous = track.assignee
    kind = ApprovalEntry.Kind.REASSIGN if previous is not None else ApprovalEntry.Kind.ASSIGN
    track.assignee = user
    track.assigned_at = now
    track.save(update_fields=["assignee", "assigned_at", "updated_at"])
    label = _("Assigned to %(user)s") % {"user": user}
    if previous is not None:
        label = _("Re-assigned from %(old)s to %(new)s") % {"old": previous, "new": user}
    entry = ApprovalEntry.objects.create(
        track=track,
        kind=kind,
        round=track.round,
        action="assign",
        action_label=label[:60],
        from_state=track.state,
        from_label=track.stored_state_label,
        to_state=track.state,
        to_label=track.stored_state_label,
        actor=by if getattr(by, "pk", None) else None,
        actor_name=str(by)[:150] if by is not None else _("assignment rule"),
        comment=comment[:1000],
        at=now,
    )
    from scenic_ops.workflow import registry

    document = document if document is not None else track.document()
    spec = registry.of(document)
    emit(
        Event(
            "assigned",
            document=document,
            spec=spec,
            track=track,
            now=now,
            key=f"e{entry.pk}",
            actor=by,
            to_state=track.state,
            comment=comment,
            extra={"assignee": str(user), "previous": str(previous) if previous else ""},
        )
    )
    return entry


@transaction.atomic
def reassign(document: Any, to_user: User, by: User, comment: str = "", *, now: dt.datetime | None = None):
    """Someone with the right gives the document to another person; recorded in the history."""
    from scenic_ops.workflow.services import engine

    if not by.has_perm("workflow.reassign_documenttrack"):
        raise WorkflowError(Code.NOT_ALLOWED, action=_("Re-assign"), who=_("the re-assign permission"))
    if not to_user.is_active or not to_user.is_staff:
        raise WorkflowError(Code.BAD_ASSIGNEE, reason=_("not an active staff account"))
    now = now or timezone.now()
    spec = engine.spec_of(document)
    track = engine._lock(document, spec, now)
    if track.assignee_id == to_user.pk:
        raise WorkflowError(Code.BAD_ASSIGNEE, reason=_("the document is already theirs"))
    return assign(track, to_user, by=by, comment=comment, now=now, document=document)
