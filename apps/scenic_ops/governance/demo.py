"""Demo data of the governance domain: this year's approved budget lines and one line waiting for
its approval (idempotent). The workflow demo's budgeted purchase request spends on them."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from scenic_ops.core.models import Department, User
from scenic_ops.governance.models import Budget

LINES = [
    # department, category, title, amount, control
    ("engineering", "repair", "工程运维部维修费", "200000", "stop"),
    ("engineering", "materials", "工程运维部物资与派工", "80000", "warn"),
    ("engineering", "purchase", "工程运维部设备采购", "100000", "stop"),
    ("service", "purchase", "游客服务中心采购", "60000", "warn"),
    ("marketing", "purchase", "市场营销部与商城采购", "50000", "warn"),
    ("it", "project", "智慧景区二期建设", "500000", "stop"),
    ("office", "training", "全员培训", "30000", "warn"),
]


def build(stdout) -> None:
    from scenic_ops.workflow import services as workflow

    year = timezone.localdate().year
    departments = {d.code: d for d in Department.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__in=["finance", "security"])}
    made = 0
    for code, category, title, amount, control in LINES:
        if code not in departments:
            continue
        _line, created = Budget.objects.get_or_create(
            fiscal_year=year,
            department=departments[code],
            category=category,
            defaults={
                "title": title,
                "amount": Decimal(amount),
                "control": control,
                "state": "approved",  # approved before the demo starts
                "applicant": users.get("finance"),
                "note": "演示数据 / demo data",
            },
        )
        made += created
    security = users.get("security")
    if security is not None and "security" in departments:
        line, created = Budget.objects.get_or_create(
            fiscal_year=year,
            department=departments["security"],
            category="purchase",
            defaults={"title": "安全保卫部监控设备更新", "amount": Decimal("68000"), "applicant": security},
        )
        if created:
            workflow.start(line, security)
            workflow.apply(line, "submit", security, "演示 demo")
    stdout.write(f"governance demo: {made} budget lines")
