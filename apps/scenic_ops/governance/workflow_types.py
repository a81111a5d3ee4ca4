"""Governance documents the workflow engine drives (autodiscovered by it)."""

from scenic_ops.governance.models import Budget
from scenic_ops.workflow import registry

registry.register(
    Budget,
    state_field="state",
    requester_field="applicant",
    department_field="department",
    summary=("fiscal_year", "department", "category", "amount", "control"),
    title=lambda b: f"{b.fiscal_year} {b.title}",
)
