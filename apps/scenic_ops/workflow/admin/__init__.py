"""The workflow domain's desk. Other domains' admins inherit `WorkflowDocumentAdmin`."""

from scenic_ops.workflow.admin import definitions, documents, rules  # noqa: F401
from scenic_ops.workflow.admin.documents import WorkflowDocumentAdmin, state_badge

__all__ = ["WorkflowDocumentAdmin", "state_badge"]
