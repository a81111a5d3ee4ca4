"""Checking a workflow definition as a whole, on plain data (desk forms and fixtures alike).

A workflow is refused when saved unless it has exactly one initial state, at least one
final state, every state reachable from the initial one, a way out of every non-final
state, and only transitions between known states, each naming who may take it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from scenic_ops.workflow import conditions
from scenic_ops.workflow.registry import FieldInfo


@dataclass(frozen=True)
class StateSpec:
    code: str
    is_initial: bool = False
    is_final: bool = False


@dataclass(frozen=True)
class TransitionSpec:
    from_state: str
    action: str
    to_state: str
    condition: str = ""
    has_approvers: bool = True
    index: int = 0  # the row, for messages


@dataclass(frozen=True)
class Problem:
    message: str
    transition: int | None = None  # index of the transition row at fault
    field: str | None = None  # "condition", "from_state", "to_state"


def check(
    states: Iterable[StateSpec],
    transitions: Iterable[TransitionSpec],
    fields: Mapping[str, FieldInfo] | None = None,
) -> list[Problem]:
    states = list(states)
    transitions = list(transitions)
    problems: list[Problem] = []
    codes: dict[str, StateSpec] = {}
    for state in states:
        if state.code in codes:
            problems.append(Problem(_("the state code “%(code)s” is used twice") % {"code": state.code}))
        codes[state.code] = state
    initial = [s.code for s in states if s.is_initial]
    if len(initial) != 1:
        problems.append(
            Problem(
                _("a workflow needs exactly one initial state; it has %(n)d (%(codes)s)")
                % {"n": len(initial), "codes": ", ".join(initial) or "-"}
            )
        )
    if states and not any(s.is_final for s in states):
        problems.append(Problem(_("a workflow needs at least one final state")))
    for t in transitions:
        label = _("transition %(n)d (%(action)s)") % {"n": t.index + 1, "action": t.action or "?"}
        for attr in ("from_state", "to_state"):
            code = getattr(t, attr)
            if code not in codes:
                problems.append(
                    Problem(
                        _("%(transition)s: unknown state “%(code)s” (states: %(known)s)")
                        % {"transition": label, "code": code, "known": ", ".join(codes) or "-"},
                        t.index,
                        attr,
                    )
                )
        if not t.has_approvers:
            problems.append(
                Problem(
                    _("%(transition)s: say who may take it (roles, users or a dynamic approver)")
                    % {"transition": label},
                    t.index,
                    None,
                )
            )
        if fields is not None and t.condition:
            try:
                conditions.validate(t.condition, fields)
            except conditions.ConditionError as exc:
                problems.append(
                    Problem(
                        _("%(transition)s: condition: %(error)s") % {"transition": label, "error": exc.message},
                        t.index,
                        "condition",
                    )
                )
    if len(initial) == 1 and initial[0] in codes:
        edges: dict[str, set[str]] = defaultdict(set)
        for t in transitions:
            edges[t.from_state].add(t.to_state)
        seen = {initial[0]}
        queue = deque(seen)
        while queue:
            for nxt in edges[queue.popleft()]:
                if nxt in codes and nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        unreachable = [s.code for s in states if s.code not in seen]
        if unreachable:
            problems.append(
                Problem(
                    _("these states cannot be reached from the initial state: %(codes)s")
                    % {"codes": ", ".join(unreachable)}
                )
            )
        dead_ends = [s.code for s in states if not s.is_final and s.code in codes and not edges[s.code]]
        if dead_ends:
            problems.append(
                Problem(
                    _("these states are not final but have no transition out: %(codes)s")
                    % {"codes": ", ".join(dead_ends)}
                )
            )
    return problems
