"""What governance does when other domains approve spending (`core.spending`)."""

from __future__ import annotations

from scenic_ops.core import hooks
from scenic_ops.governance import budgets


@hooks.listen("core.spending_approved")
def check_budget(*, source, label, department, category, amount, kind, enforce, actor_id, at, now, **_):
    budgets.charge(
        source=source,
        label=label,
        department=department,
        category=category,
        amount=amount,
        kind=kind,
        enforce=enforce,
        actor_id=actor_id,
        at=at or now,
    )
