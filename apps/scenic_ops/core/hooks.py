"""Cross-domain reactions: a domain says what happened; the domains that care react.

Domains do not import each other to react to an event (visitor flow turning red opens an
emergency incident in service; a special-equipment alarm in operations raises the site's
safety warning in flow; a red level stops ticketing's sales). The emitting domain declares
the hook and its payload once, in its `hooks.py`; every listener registers in its own
`hooks.py` (both autodiscovered at start-up)::

    # flow/hooks.py
    LEVEL_CHANGED = hooks.define("flow.level_changed", ("zone_code", "from_level", "to_level", "at", "cause", "now"))

    # service/hooks.py
    @hooks.listen("flow.level_changed")
    def open_incident(*, zone_code, to_level, from_level, at, cause, now, **_):
        ...

    # flow/services/levels.py
    hooks.emit(LEVEL_CHANGED, zone_code=..., ...)

Listeners run in registration order, inside the emitter's transaction, each in a savepoint.
A failing listener of an ordinary hook is logged and skipped (the emitter's own change
stands; the listener's domain has its own safety net). A `strict` hook's failure propagates
and undoes the emitter's change too: use it where acting alone would be wrong (flow must not
report sales halted while ticketing still sells). Payloads are plain values (codes, ids,
datetimes), never another domain's model instances. No Django signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass
class Hook:
    name: str
    fields: tuple[str, ...]
    doc: str = ""
    strict: bool = False
    listeners: list[Callable[..., Any]] = field(default_factory=list)


_hooks: dict[str, Hook] = {}
_waiting: dict[str, list[Callable[..., Any]]] = {}


def define(name: str, fields: tuple[str, ...], *, doc: str = "", strict: bool = False) -> str:
    """Declare a hook (once, by the domain that emits it). Returns its name, for `emit`."""
    hook = _hooks.get(name)
    if hook is not None:
        if hook.fields != tuple(fields):
            raise ValueError(f"hook {name} already defined with fields {hook.fields}")
        return name
    hook = _hooks[name] = Hook(name, tuple(fields), doc, strict)
    hook.listeners.extend(_waiting.pop(name, []))
    return name


def listen(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a listener of `name` (keyword arguments = the payload)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        hook = _hooks.get(name)
        target = hook.listeners if hook is not None else _waiting.setdefault(name, [])
        if func not in target:
            target.append(func)
        return func

    return register


def emit(name: str, **payload: Any) -> list[Any]:
    """Call every listener of `name` with the payload; returns their results (failed ones: skipped)."""
    hook = _hooks.get(name)
    if hook is None:
        raise LookupError(f"no hook named {name}")
    if set(payload) != set(hook.fields):
        raise TypeError(f"hook {name} takes {sorted(hook.fields)}, got {sorted(payload)}")
    results = []
    for listener in list(hook.listeners):
        if hook.strict:
            results.append(listener(**payload))
            continue
        try:
            with transaction.atomic():  # a savepoint: a failing listener leaves the emitter's work intact
                results.append(listener(**payload))
        except Exception:  # noqa: BLE001 - logged; the emitter's change stands
            log.exception("hook %s: listener %s.%s failed", name, listener.__module__, listener.__qualname__)
    return results


def catalogue() -> dict[str, Hook]:
    """Every declared hook with its listeners (the desk's and the tests' view of the wiring)."""
    return dict(_hooks)


def undefined() -> list[str]:
    """Names listened to that no domain defines (a typo, or a domain removed)."""
    return sorted(_waiting)
