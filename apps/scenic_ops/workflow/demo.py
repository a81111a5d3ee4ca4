"""Demo data of the workflow domain: the default workflows and a few general approval requests (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from scenic_ops.core.models import User
from scenic_ops.workflow import services, setup
from scenic_ops.workflow.errors import WorkflowError
from scenic_ops.workflow.models import ApprovalRequest

REQUESTS = [
    # requester, title, amount, priority, actions to take (by whom)
    ("ticket_clerk", "售票窗口热敏打印机更换", "3800.00", "normal", [("submit", "ticket_clerk")]),
    ("engineer", "索道钢缆年度无损检测（外包）", "68000.00", "high", [("submit", "engineer")]),
    (
        "service_agent",
        "游客中心轮椅和婴儿车补充",
        "12600.00",
        "normal",
        [("submit", "service_agent"), ("approve", "manager")],
    ),
    ("security", "节假日临时安保人员劳务费", "24000.00", "urgent", []),
    ("engineer", "对讲机采购（20台）", "8600.00", "normal", [("submit", "engineer")]),
]
# Requests that spend on a budget line (checked by governance when they are approved).
BUDGETED = {"对讲机采购（20台）": "purchase"}


def build(stdout) -> None:
    setup.load(stdout=stdout)
    users = {u.username: u for u in User.objects.filter(username__in={r[0] for r in REQUESTS} | {"manager"})}
    created = 0
    for username, title, amount, priority, steps in REQUESTS:
        requester = users.get(username)
        if requester is None or ApprovalRequest.objects.filter(title=title).exists():
            continue
        request = ApprovalRequest.objects.create(
            title=title,
            amount=Decimal(amount),
            priority=priority,
            requester=requester,
            department=requester.department,
            budget_category=BUDGETED.get(title, ""),
            description="演示数据 / demo data",
        )
        services.start(request, requester)
        for action, actor in steps:
            request.refresh_from_db()
            try:
                services.apply(request, action, users[actor], "演示 demo")
            except (WorkflowError, KeyError) as exc:
                stdout.write(f"workflow demo: {title}: {exc}")
        created += 1
    stdout.write(f"workflow demo: {created} approval requests")
