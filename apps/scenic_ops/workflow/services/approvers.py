"""Who may take a transition on a document: roles, named users, dynamic approvers, delegates.

Each way a person qualifies is a *seat* ("role:manager", "user:12", "department_head"...).
An "any" transition needs one seat; "all" needs every seat; a quorum needs K of them.
A delegate fills the seats of the approver who named them, for the delegation's period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from scenic_ops.core.models import Department, Role, User
from scenic_ops.workflow.models import Delegation, DocumentTrack, WorkflowTransition
from scenic_ops.workflow.registry import DocumentType


def role_codes(user: User) -> set[str]:
    cached = getattr(user, "_wf_roles", None)
    if cached is None:
        cached = set(Role.objects.filter(group__user=user).values_list("code", flat=True)) if user.pk else set()
        user._wf_roles = cached
    return cached


@dataclass
class Principal:
    user: User
    roles: set[str]
    delegation: Delegation | None = None  # set when acting as someone's delegate


@dataclass
class Actor:
    """The person acting, and the approvers they stand in for today."""

    user: User
    principals: list[Principal]

    @classmethod
    def of(cls, user: User, now: dt.datetime) -> Actor:
        cached = getattr(user, "_wf_actor", None)
        if cached is not None and cached[0] == now:
            return cached[1]
        principals = [Principal(user, role_codes(user))]
        delegations = (
            Delegation.objects.filter(delegate=user, starts_at__lte=now, ends_at__gt=now, revoked_at__isnull=True)
            .exclude(principal=user)
            .select_related("principal")
        )
        for delegation in delegations:
            if delegation.principal.is_active:
                principals.append(Principal(delegation.principal, role_codes(delegation.principal), delegation))
        actor = cls(user, principals)
        user._wf_actor = (now, actor)
        return actor

    def principals_for(self, document_type: str) -> list[Principal]:
        return [p for p in self.principals if p.delegation is None or p.delegation.covers(document_type)]


class DeptHeads:
    """Department code → head's user id, loaded once per use."""

    def __init__(self) -> None:
        self._map: dict[str, int | None] | None = None

    def get(self, code: str) -> int | None:
        if self._map is None:
            self._map = dict(Department.objects.values_list("code", "head_id"))
        return self._map.get(code)


@dataclass
class DocContext:
    document: Any
    spec: DocumentType
    track: DocumentTrack
    heads: DeptHeads = field(default_factory=DeptHeads)
    _values: dict[str, Any] | None = None

    @property
    def requester_id(self) -> int | None:
        return self.track.requester_id

    @property
    def requester_manager_id(self) -> int | None:
        return self.track.requester.manager_id if self.track.requester_id else None

    @property
    def department_head_id(self) -> int | None:
        return self.track.department.head_id if self.track.department_id else None

    def field_user_id(self, name: str) -> int | None:
        return getattr(self.document, f"{name}_id", None)

    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = self.spec.values(self.document)
        return self._values


def seats_for(t: WorkflowTransition, ctx: DocContext, p: Principal) -> list[str]:
    """The seats of transition `t` that principal `p` may fill on this document."""
    pk = p.user.pk
    seats = [f"role:{code}" for code in t.allowed_roles if code in p.roles]
    seats += [f"user:{pk}" for u in t.allowed_users.all() if u.pk == pk]
    seats += [f"dept:{code}" for code in t.approver_departments if ctx.heads.get(code) == pk]
    if t.requester and ctx.requester_id == pk:
        seats.append("requester")
    if t.requester_manager and ctx.requester_manager_id == pk:
        seats.append("requester_manager")
    if t.department_head and ctx.department_head_id == pk:
        seats.append("department_head")
    if t.assignee and ctx.track.assignee_id == pk:
        seats.append("assignee")
    if t.approver_field and ctx.field_user_id(t.approver_field) == pk:
        seats.append(f"field:{t.approver_field}")
    return seats


def all_seats(t: WorkflowTransition, ctx: DocContext) -> list[str]:
    """Every seat of `t` that someone can fill on this document (for "all" and quorum)."""
    seats = [f"role:{code}" for code in t.allowed_roles]
    seats += [f"user:{u.pk}" for u in t.allowed_users.all()]
    seats += [f"dept:{code}" for code in t.approver_departments if ctx.heads.get(code)]
    if t.requester and ctx.requester_id:
        seats.append("requester")
    if t.requester_manager and ctx.requester_manager_id:
        seats.append("requester_manager")
    if t.department_head and ctx.department_head_id:
        seats.append("department_head")
    if t.assignee and ctx.track.assignee_id:
        seats.append("assignee")
    if t.approver_field and ctx.field_user_id(t.approver_field):
        seats.append(f"field:{t.approver_field}")
    return seats


def seats_needed(t: WorkflowTransition, ctx: DocContext) -> int:
    total = len(all_seats(t, ctx))
    if t.approval_mode == "all":
        return max(total, 1)
    if t.approval_mode == "quorum":
        return max(1, min(t.quorum, total) if total else t.quorum)
    return 1


def seat_label(seat: str) -> str:
    kind, _sep, ref = seat.partition(":")
    if kind == "role":
        role = Role.objects.filter(code=ref).select_related("group").first()
        return str(role) if role else ref
    if kind == "user":
        user = User.objects.filter(pk=ref).first()
        return str(user) if user else ref
    if kind == "dept":
        dept = Department.objects.filter(code=ref).first()
        return _("head of %(department)s") % {"department": dept or ref}
    if kind == "field":
        return ref
    return {
        "requester": _("the requester"),
        "requester_manager": _("the requester's manager"),
        "department_head": _("head of the document's department"),
        "assignee": _("the assignee"),
    }.get(kind, seat)


def describe(t: WorkflowTransition) -> str:
    """Who may take `t`, in words, for refusals."""
    parts: list[str] = []
    if t.allowed_roles:
        names = [str(r) for r in Role.objects.filter(code__in=t.allowed_roles).select_related("group")]
        parts.append(_("the role %(roles)s") % {"roles": _(" or ").join(names or t.allowed_roles)})
    users = [str(u) for u in t.allowed_users.all()]
    if users:
        parts.append(", ".join(users))
    if t.approver_departments:
        names = [str(d) for d in Department.objects.filter(code__in=t.approver_departments)]
        parts.append(_("the head of %(departments)s") % {"departments": ", ".join(names or t.approver_departments)})
    if t.requester:
        parts.append(_("the requester"))
    if t.requester_manager:
        parts.append(_("the requester's manager"))
    if t.department_head:
        parts.append(_("the head of the document's department"))
    if t.assignee:
        parts.append(_("the assignee"))
    if t.approver_field:
        parts.append(_("the user in the field “%(field)s”") % {"field": t.approver_field})
    return _("; or ").join(parts) or _("nobody (the transition names no approver)")


def resolve_users(t: WorkflowTransition, ctx: DocContext) -> set[int]:
    """User ids who could take `t` on this document (for notifications and escalation)."""
    ids: set[int] = set()
    if t.allowed_roles:
        ids |= set(
            User.objects.filter(is_active=True, groups__role__code__in=t.allowed_roles).values_list("pk", flat=True)
        )
    ids |= {u.pk for u in t.allowed_users.all() if u.is_active}
    ids |= {h for code in t.approver_departments if (h := ctx.heads.get(code))}
    for flag, value in (
        (t.requester, ctx.requester_id),
        (t.requester_manager, ctx.requester_manager_id),
        (t.department_head, ctx.department_head_id),
        (t.assignee, ctx.track.assignee_id),
    ):
        if flag and value:
            ids.add(value)
    if t.approver_field and (uid := ctx.field_user_id(t.approver_field)):
        ids.add(uid)
    if not t.allow_self_approval and ctx.requester_id:
        ids.discard(ctx.requester_id)
    return ids


def with_delegates(user_ids: set[int], document_type: str, now: dt.datetime) -> set[int]:
    """Add today's delegates of these approvers (they are told too)."""
    if not user_ids:
        return set()
    rows = Delegation.objects.filter(
        principal_id__in=user_ids, starts_at__lte=now, ends_at__gt=now, revoked_at__isnull=True
    ).only("delegate_id", "document_types")
    return user_ids | {d.delegate_id for d in rows if d.covers(document_type)}


def static_match(t: WorkflowTransition, actor: Actor, document_type: str) -> bool:
    """Might this actor take `t` on some document? (for the inbox's first filter)."""
    if t.has_dynamic_approvers() or t.approver_departments:
        return True
    for p in actor.principals_for(document_type):
        if set(t.allowed_roles) & p.roles:
            return True
        if any(u.pk == p.user.pk for u in t.allowed_users.all()):
            return True
    return False


def escalated_filter(user: User) -> Q:
    return Q(escalated_to=user)
