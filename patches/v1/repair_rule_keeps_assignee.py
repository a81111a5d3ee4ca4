"""The repair workflow's 'assigned' rule keeps an engineer already given the ticket by an alarm or inspection rule."""

from scenic_ops.workflow.models import AssignmentRule


def execute() -> None:
    AssignmentRule.objects.filter(name="报修：按区域和技能派给运维工程师").update(keep_assignee=True)
