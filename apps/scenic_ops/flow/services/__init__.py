"""Visitor-flow services: every state change of the domain, as plain functions.

Other domains call these (never the tables):
- record_passages(zone_code | None, entries, exits, at, source, dedupe_key=None)  — gates
- passage_statement(zone_code, at=, entries=, exits=) → (sql, params): the same count inside a
  caller's own compound statement; call passages_changed() after it          — gates' hot path
- take_back_passages(zone_code, entries=, exits=, at=)                       — a voided scan
- halt_sales(day, reason=...), resume_sales(day, reason=...)                   — operators
- raise_safety_warning(source=, reason=, level=), clear_safety_warning(source=)  — equipment, fire, weather
Ticketing hears of a sales halt through the strict `flow.sales_halt_changed` hook (`flow/hooks.py`).
"""

from scenic_ops.flow.services.counting import (  # noqa: F401
    correct_in_park,
    passage_statement,
    passages_changed,
    record_passages,
    take_back_passages,
)
from scenic_ops.flow.services.levels import evaluate, halt_sales, resume_sales
from scenic_ops.flow.services.notices import publish_notice, set_wait
from scenic_ops.flow.services.safety import clear_safety_warning, raise_safety_warning

__all__ = [
    "clear_safety_warning",
    "correct_in_park",
    "evaluate",
    "halt_sales",
    "passage_statement",
    "publish_notice",
    "raise_safety_warning",
    "record_passages",
    "resume_sales",
    "set_wait",
]
