"""The general approval request's own reactions: its spending, checked when it is approved."""

from __future__ import annotations

from scenic_ops.core import spending


def on_request_event(event) -> None:
    """Approved with a budget category: the amount is committed on the department's budget (the hook is
    strict, so a Stop budget refuses the approval)."""
    doc = event.document
    if event.name != "state_entered" or event.to_state != "approved" or not doc.budget_category:
        return
    department = doc.department.code if doc.department_id else ""
    if not department and doc.requester_id and doc.requester.department_id:
        department = doc.requester.department.code
    spending.approved(
        source=f"workflow.approvalrequest:{doc.pk}",
        label=str(doc),
        department=department,
        category=doc.budget_category,
        amount=doc.amount,
        kind="commitment",
        enforce=True,
        actor_id=getattr(event.actor, "pk", None),
        at=event.now,
        now=event.now,
    )
