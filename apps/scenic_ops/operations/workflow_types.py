"""Document types of the operations domain that the workflow engine drives (autodiscovered by it)."""

from scenic_ops.operations.models import Certificate, RepairTicket
from scenic_ops.operations.services import repairs
from scenic_ops.workflow import registry

registry.register(
    RepairTicket,
    state_field="state",
    requester_field="reported_by",
    priority_field="priority",
    zone_field="zone",
    skill_field="skill",
    on_event=repairs.on_workflow_event,
    summary=("priority", "estimated_cost", "asset", "source"),
    extra_names={
        "asset_code": lambda t: t.asset.code if t.asset_id else "",
        "special_equipment": lambda t: bool(t.asset_id and t.asset.special_equipment),
    },
)

# No workflow moves a certificate; registering it lets "N days before expires_on" notification rules remind people.
registry.register(
    Certificate,
    state_field="state",
    summary=("expires_on", "number"),
    title=lambda c: f"{c.asset_name or c.asset} · {c.number}",
)
