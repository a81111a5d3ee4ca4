"""Set-up of the operations domain (idempotent; keeps what was edited in the desk):
the default repair workflow once our document type exists, our notification and assignment
rules, the standard asset categories and default alarm rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.db import transaction

from scenic_ops.operations.models import AlarmRule, AssetCategory

FIXTURES = Path(__file__).parent / "fixtures"

CATEGORIES = [
    # code, name, English, kind, skill, special equipment
    ("gate", "闸机", "Gate", "gate", "electrical", False),
    ("camera", "监控摄像机", "Camera", "camera", "network", False),
    ("counter", "客流计数器", "People counter", "counter", "network", False),
    ("sensor", "环境传感器", "Environment sensor", "sensor", "network", False),
    ("cableway", "客运索道", "Passenger cableway", "cableway", "mechanical", True),
    ("cabin", "索道吊厢", "Cableway cabin", "cabin", "mechanical", True),
    ("elevator", "观光电梯", "Sightseeing elevator", "elevator", "mechanical", True),
    ("boat", "游船", "Tour boat", "boat", "mechanical", True),
    ("ride", "游乐设施", "Amusement ride", "ride", "mechanical", True),
    ("vehicle", "观光车", "Shuttle bus", "vehicle", "mechanical", False),
    ("toilet", "智慧厕所", "Smart toilet", "toilet", "sanitation", False),
    ("lamp", "路灯", "Lamp", "lamp", "electrical", False),
    ("network", "网络设备", "Network equipment", "network", "network", False),
    ("power", "供配电", "Power supply", "power", "electrical", False),
    ("fire_alarm", "火灾报警控制器", "Fire alarm panel", "sensor", "electrical", False),
]

ALARM_RULES = [
    {
        "name": "设备离线",
        "kind": "offline",
        "severity": "warning",
        "notify_roles": ["engineer", "dispatcher"],
    },
    {
        "name": "设备故障代码",
        "kind": "fault",
        "severity": "warning",
        "create_ticket": True,
        "ticket_priority": "high",
        "notify_roles": ["engineer", "dispatcher"],
    },
    {
        "name": "索道故障",
        "kind": "fault",
        "category": "cableway",
        "severity": "critical",
        "create_ticket": True,
        "ticket_priority": "urgent",
        "raise_site_warning": True,
        "notify_roles": ["engineer", "dispatcher", "manager", "security"],
    },
    {
        "name": "索道风速超限",
        "kind": "metric",
        "category": "cableway",
        "metric": "wind_speed",
        "operator": "gt",
        "threshold": Decimal("15"),
        "clear_threshold": Decimal("12"),
        "severity": "critical",
        "raise_site_warning": True,
        "notify_roles": ["dispatcher", "manager", "security"],
    },
    {
        "name": "游船电池电量低",
        "kind": "metric",
        "category": "boat",
        "metric": "battery",
        "operator": "lt",
        "threshold": Decimal("20"),
        "clear_threshold": Decimal("30"),
        "severity": "warning",
        "notify_roles": ["dispatcher"],
    },
    {
        "name": "急停",
        "kind": "status",
        "severity": "critical",
        "statuses": ["emergency_stop"],
        "create_ticket": True,
        "ticket_priority": "urgent",
        "raise_site_warning": True,
        "notify_roles": ["engineer", "dispatcher", "manager", "security"],
    },
    {
        "name": "火警",
        "kind": "status",
        "category": "fire_alarm",
        "severity": "critical",
        "statuses": ["fire"],
        "auto_clear": False,
        "open_incident": "fire",
        "notify_roles": ["security", "dispatcher", "manager"],
    },
]


@transaction.atomic
def load_reference_data() -> tuple[int, int]:
    categories = 0
    for code, name, en, kind, skill, special in CATEGORIES:
        _obj, created = AssetCategory.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "kind": kind, "skill": skill, "special_equipment": special},
        )
        categories += created
    rules = 0
    for spec in ALARM_RULES:
        values = dict(spec)
        name = values.pop("name")
        category = values.pop("category", None)
        if category:
            values["category"] = AssetCategory.objects.filter(code=category).first()
        _rule, created = AlarmRule.objects.get_or_create(name=name, defaults=values)
        rules += created
    return categories, rules


def load(stdout=None) -> None:
    from scenic_ops.workflow import setup as workflow_setup

    workflow_setup.load_for("operations.repairticket", stdout=stdout)
    report = workflow_setup.load(stdout=stdout, folder=FIXTURES)
    categories, rules = load_reference_data()
    if stdout is not None:
        stdout.write(f"operations: {categories} asset categories and {rules} alarm rules created")
        for line in report.errors:
            stdout.write(f"operations: ERROR {line}")
