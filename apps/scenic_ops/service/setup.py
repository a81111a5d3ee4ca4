"""Set-up of the service domain (idempotent; keeps what was edited in the desk): the complaint and
dispatch workflows, complaint categories, message templates, incident types, the emergency plans of
fixtures/emergency_plans/ and a default negative-spike rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings
from django.db import transaction

from scenic_ops.service import messaging
from scenic_ops.service.models import (
    ComplaintCategory,
    EmergencyPlan,
    IncidentType,
    PlanContact,
    PlanStep,
    SpikeRule,
)

CATEGORIES = [
    ("ticketing", "票务预约", "Tickets and booking"),
    ("service", "服务态度", "Staff and service"),
    ("safety", "安全", "Safety"),
    ("sanitation", "环境卫生", "Cleanliness"),
    ("prices", "价格收费", "Prices and charges"),
    ("facilities", "设施设备", "Facilities"),
    ("transport", "交通停车", "Transport and parking"),
    ("queues", "排队拥挤", "Queues and crowding"),
    ("food", "餐饮商品", "Food and shops"),
    ("other", "其他", "Other"),
]

INCIDENT_TYPES = [
    # code, name, English, default level (4 = IV … 1 = I)
    ("over_capacity", "客流超限", "Over capacity", 3),
    ("fire", "火灾", "Fire", 3),
    ("flood", "洪水内涝", "Flood", 3),
    ("typhoon", "台风", "Typhoon", 3),
    ("landslide", "山体滑坡", "Landslide", 3),
    ("weather", "气象预警", "Weather warning", 4),
    ("medical", "游客伤病", "Medical emergency", 4),
    ("sos", "游客求助", "Visitor SOS", 4),
    ("lost_person", "游客走失", "Lost person", 4),
    ("equipment_failure", "设施设备故障", "Equipment failure", 4),
    ("special_equipment", "特种设备报警", "Special equipment alarm", 3),
    ("cyber", "网络安全事件", "Cyber incident", 4),
]


def plans_folder() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "emergency_plans"


@transaction.atomic
def load_plan(data: dict) -> tuple[EmergencyPlan, bool]:
    plan, created = EmergencyPlan.objects.get_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "description": data.get("description", ""),
            "version": data.get("version", ""),
        },
    )
    if created:
        for index, step in enumerate(data.get("step", []), start=1):
            PlanStep.objects.create(
                plan=plan,
                order=step.get("order", index),
                title=step["title"],
                title_en=step.get("title_en", ""),
                owner_role=step["role"],
                deadline_minutes=step.get("deadline_minutes", 15),
                instructions=step.get("instructions", ""),
                min_level=step.get("min_level", 4),
            )
        for contact in data.get("contact", []):
            PlanContact.objects.create(
                plan=plan,
                name=contact["name"],
                kind=contact["kind"],
                channel=contact.get("channel", "sms"),
                target=contact["target"],
                min_level=contact.get("min_level", 4),
                notify_drills=contact.get("notify_drills", False),
            )
    for code in data.get("types", []):
        IncidentType.objects.filter(code=code, plan__isnull=True).update(plan=plan)
    return plan, created


@transaction.atomic
def load_reference_data(folder: Path | None = None) -> dict[str, int]:
    counts = {"categories": 0, "types": 0, "plans": 0, "templates": messaging.ensure_defaults()}
    for order, (code, name, en) in enumerate(CATEGORIES):
        _c, created = ComplaintCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": en, "sort_order": order}
        )
        counts["categories"] += created
    for code, name, en, level in INCIDENT_TYPES:
        _t, created = IncidentType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": en, "default_level": level}
        )
        counts["types"] += created
    for path in sorted((folder or plans_folder()).glob("*.toml")):
        with path.open("rb") as handle:
            _plan, created = load_plan(tomllib.load(handle))
        counts["plans"] += created
    SpikeRule.objects.get_or_create(
        name="负面舆情激增（1小时5条）",
        defaults={"window_minutes": 60, "threshold": 5, "notify_roles": ["service_agent", "manager"]},
    )
    return counts


def load_workflows(stdout=None):
    """The complaint and dispatch-order workflows shipped in fixtures/workflows/."""
    from scenic_ops.workflow import setup as workflow_setup

    report = workflow_setup.load_for("service.complaint", stdout=stdout)
    dispatch = workflow_setup.load_for("service.dispatchorder", stdout=stdout)
    report.errors.extend(dispatch.errors)
    return report


def load(stdout=None) -> None:
    report = load_workflows(stdout=stdout)
    counts = load_reference_data()
    if stdout is not None:
        stdout.write(
            "service: {categories} complaint categories, {types} incident types, {plans} emergency plans, "
            "{templates} message templates created".format(**counts)
        )
        for line in report.errors:
            stdout.write(f"service: ERROR {line}")
