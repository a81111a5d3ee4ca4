from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "scenic_ops.workflow"
    label = "workflow"
    verbose_name = _("Workflows and approvals")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from scenic_ops.workflow import registry
        from scenic_ops.workflow.models import ApprovalRequest
        from scenic_ops.workflow.services.requests import on_request_event

        registry.register(
            ApprovalRequest,
            state_field="state",
            requester_field="requester",
            department_field="department",
            priority_field="priority",
            zone_field="zone",
            on_event=on_request_event,
            summary=("amount", "department", "budget_category", "priority", "needed_by"),
            extra_names={"department_code": lambda doc: doc.department.code if doc.department_id else ""},
        )
        # Other domains may register their document types in a `workflow_types.py` module.
        autodiscover_modules("workflow_types")
