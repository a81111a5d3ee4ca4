"""Document types of the service domain that the workflow engine drives (autodiscovered by it)."""

from scenic_ops.service import complaints, dispatch
from scenic_ops.service.models import Complaint, DispatchOrder
from scenic_ops.workflow import registry

registry.register(
    Complaint,
    state_field="state",
    department_field="department",
    priority_field="priority",
    zone_field="zone",
    on_event=complaints.on_workflow_event,
    summary=("severity", "priority", "category", "channel"),
    title=lambda c: f"{c.code} {c.subject}",
    extra_names={"category_code": lambda c: c.category.code if c.category_id else ""},
)

registry.register(
    DispatchOrder,
    state_field="state",
    requester_field="requested_by",
    priority_field="priority",
    zone_field="zone",
    on_event=dispatch.on_workflow_event,
    summary=("priority", "headcount", "pool", "zone"),
    title=lambda d: f"{d.code} {d.title}",
    extra_names={"pool_kind": lambda d: d.pool.kind if d.pool_id else ""},
)
