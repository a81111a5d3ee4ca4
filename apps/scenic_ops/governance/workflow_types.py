"""Governance documents the workflow engine drives (autodiscovered by it)."""

from scenic_ops.governance.models import Budget, RiskReview, TrainingCertificate
from scenic_ops.workflow import registry

registry.register(
    Budget,
    state_field="state",
    requester_field="applicant",
    department_field="department",
    summary=("fiscal_year", "department", "category", "amount", "control"),
    title=lambda b: f"{b.fiscal_year} {b.title}",
)

# No workflow moves a certificate; registering it lets the "N days before expires_on" rules of
# fixtures/workflows/training_certificate.toml remind its holder and the training administrators.
registry.register(
    TrainingCertificate,
    state_field="state",
    requester_field="holder",
    summary=("programme", "expires_on", "number"),
    title=lambda c: f"{c.programme} · {c.number}",
)

registry.register(
    RiskReview,
    state_field="state",
    requester_field="raised_by",
    department_field="department",
    summary=("risk_level", "control", "owner", "review_due"),
)
