"""Reads: the approvals inbox (everything a user may act on now, across document types)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from scenic_ops.core.models import User
from scenic_ops.workflow import registry
from scenic_ops.workflow.models import DocumentTrack, Workflow
from scenic_ops.workflow.registry import DocumentType
from scenic_ops.workflow.services import approvers
from scenic_ops.workflow.services.approvers import Actor
from scenic_ops.workflow.services.engine import Action, available_actions

CANDIDATE_LIMIT = 1000


@dataclass
class InboxItem:
    track: DocumentTrack
    document: Any
    spec: DocumentType
    actions: list[Action]
    overdue: bool
    link: str
    summary: list[tuple[str, str]]

    @property
    def key(self) -> str:
        return f"{self.spec.key}:{self.document.pk}"

    @property
    def state_colour(self) -> str:
        state = self.track.workflow.state_map().get(self.track.state) if self.track.workflow else None
        return state.css_colour if state else "#6b7280"

    def as_dict(self) -> dict[str, Any]:
        t = self.track
        return {
            "document_type": self.spec.key,
            "document_type_label": self.spec.label,
            "id": str(self.document.pk),
            "title": t.title,
            "state": t.state,
            "state_label": t.state_label,
            "requester": str(t.requester) if t.requester_id else "",
            "assignee": str(t.assignee) if t.assignee_id else "",
            "waiting_since": t.state_entered_at,
            "resolution_due": t.resolution_due,
            "sla_status": t.sla_status,
            "overdue": self.overdue,
            "escalation_level": t.escalation_level,
            "link": self.link,
            "summary": [{"label": label, "value": value} for label, value in self.summary],
            "actions": [a.as_dict() for a in self.actions],
        }


@dataclass
class Inbox:
    items: list[InboxItem]
    total: int
    by_type: list[tuple[str, str, int]]  # key, label, count (before the type filter)
    overdue: int
    states: list[tuple[str, str]] = field(default_factory=list)  # code, label among the items
    action_choices: list[tuple[str, str]] = field(default_factory=list)


def _candidates(user: User, actor: Actor) -> Q | None:
    pairs: set[tuple[int, str]] = set()
    workflows = Workflow.objects.filter(tracks__is_open=True).distinct().prefetch_related("states")
    for workflow in workflows:
        for t in workflow.transition_list():
            if approvers.static_match(t, actor, workflow.document_type):
                pairs.add((workflow.pk, t.from_state))
    q = Q(escalated_to=user)
    for workflow_id, state in pairs:
        q |= Q(workflow_id=workflow_id, state=state)
    return q


def _is_overdue(track: DocumentTrack, now: dt.datetime) -> bool:
    if track.resolution_due and track.resolution_due <= now and track.resolved_at is None:
        return True
    return bool(track.response_due and track.responded_at is None and track.response_due <= now)


def inbox(
    user: User,
    *,
    document_type: str = "",
    state: str = "",
    q: str = "",
    overdue_only: bool = False,
    now: dt.datetime | None = None,
) -> Inbox:
    now = now or timezone.now()
    if not user.is_active:
        return Inbox([], 0, [], 0)
    actor = Actor.of(user, now)
    tracks = list(
        DocumentTrack.objects.filter(is_open=True)
        .filter(_candidates(user, actor))
        .distinct()
        .select_related("workflow", "requester", "department", "assignee", "content_type")
        .order_by("state_entered_at", "pk")[:CANDIDATE_LIMIT]
    )
    by_type: dict[str, list[DocumentTrack]] = defaultdict(list)
    for track in tracks:
        by_type[track.document_type].append(track)
    heads = approvers.DeptHeads()
    items: list[InboxItem] = []
    for key, group in by_type.items():
        spec = registry.get(key)
        if spec is None:
            continue
        related = [f.name for f in spec.model._meta.concrete_fields if f.is_relation]
        documents = spec.model._default_manager.select_related(*related).in_bulk([t.object_id for t in group])
        workflows: dict[int, Workflow] = {}
        for track in group:
            document = documents.get(spec.model._meta.pk.to_python(track.object_id))
            if document is None or track.workflow is None:
                continue
            track.workflow = workflows.setdefault(track.workflow_id, track.workflow)  # share the caches
            actions = available_actions(document, user, now=now, track=track, heads=heads)
            if not actions:
                continue
            items.append(
                InboxItem(
                    track,
                    document,
                    spec,
                    actions,
                    _is_overdue(track, now),
                    spec.url_of(document),
                    spec.summary_of(document),
                )
            )
    counts = Counter(i.spec.key for i in items)
    type_counts = sorted(
        ((key, registry.get(key).label, n) for key, n in counts.items()), key=lambda row: (-row[2], row[1])
    )
    overdue_total = sum(1 for i in items if i.overdue)
    total = len(items)
    if document_type:
        items = [i for i in items if i.spec.key == document_type]
    states = sorted({(i.track.state, i.track.state_label) for i in items}, key=lambda s: s[1])
    if state:
        items = [i for i in items if i.track.state == state]
    if q:
        needle = q.strip().lower()
        items = [i for i in items if needle in i.track.title.lower() or needle in str(i.track.requester or "").lower()]
    if overdue_only:
        items = [i for i in items if i.overdue]
    seen: dict[str, str] = {}
    for item in items:
        for a in item.actions:
            seen.setdefault(a.action, a.label)
    return Inbox(items, total, type_counts, overdue_total, states, sorted(seen.items()))


def pending_count(user: User, now: dt.datetime | None = None) -> int:
    return inbox(user, now=now).total


# --- for the domains whose documents the engine drives ------------------------------------------------
def sla_label(status: str) -> str:
    """The readable name of an SLA status code ("on_track", "breached", …)."""
    from scenic_ops.workflow.models.runtime import SlaStatus

    return str(SlaStatus(status).label) if status in SlaStatus.values else status


def overdue_ids(model, *, now: dt.datetime | None = None) -> list[int]:
    """Ids of the model's documents still open past their resolution due time."""
    from django.contrib.contenttypes.models import ContentType

    ids = DocumentTrack.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        is_open=True,
        resolution_due__lt=now or timezone.now(),
    ).values_list("object_id", flat=True)
    return [int(i) for i in ids]


def sla_summary(model, ids, *, using: str = "default") -> dict[str, int]:
    """{met, missed, breached, open} over these documents' tracks."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    tracks = DocumentTrack.objects.using(using).filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=[str(i) for i in ids]
    )
    return tracks.aggregate(
        met=Count("id", filter=Q(sla_status="met")),
        missed=Count("id", filter=Q(sla_status="missed")),
        breached=Count("id", filter=Q(sla_status="breached")),
        open=Count("id", filter=Q(is_open=True)),
    )
