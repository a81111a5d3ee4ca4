"""Document types of the shop that the workflow engine drives (autodiscovered by it)."""

from scenic_ops.shop import returns
from scenic_ops.shop.models import Refund
from scenic_ops.workflow import registry

registry.register(
    Refund,
    state_field="state",
    requester_field="requested_by",
    on_event=returns.on_workflow_event,
    summary=("amount", "reason", "status"),
    title=lambda r: f"{r.order.number} ¥{r.amount}",
)
