"""Default workflows and rules, shipped as data in fixtures/workflows/*.toml.

`load()` runs during set-up (manage.py setup_site) and loads every file whose document
type is registered; files for document types that do not exist yet are skipped and load
on a later set-up, once their domain registers the type. Loading is idempotent and never
overwrites what was edited in the desk: a workflow or rule whose name exists is left alone.

Each file declares the fields its document type must have (`[fields]`, name = kind or a
list of choices). That contract lets the file be checked before the type exists, and is
checked against the real model when it does.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from scenic_ops.conf import ROOT
from scenic_ops.core.models import User
from scenic_ops.workflow import conditions, definition, registry, templating
from scenic_ops.workflow.models import (
    AssignmentRule,
    EscalationRule,
    NotificationRule,
    SlaPolicy,
    SlaTarget,
    Workflow,
    WorkflowState,
    WorkflowTransition,
)
from scenic_ops.workflow.models.definition import ApprovalMode, Colour
from scenic_ops.workflow.models.rules import Event
from scenic_ops.workflow.registry import FieldInfo
from scenic_ops.workflow.services import notifications

FOLDER = ROOT / "fixtures" / "workflows"
KINDS = {"str", "int", "decimal", "float", "bool", "date", "datetime", "user", "object"}


class FixtureError(ValueError):
    pass


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FixtureError(f"{path.name}: not valid TOML: {exc}") from exc


def declared_fields(data: dict[str, Any]) -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    for name, kind in data.get("fields", {}).items():
        if isinstance(kind, list):
            out[name] = FieldInfo(name, name, "str", tuple(str(c) for c in kind))
        elif kind in KINDS:
            out[name] = FieldInfo(name, name, kind, is_user=kind == "user")
        else:
            raise FixtureError(f"[fields] {name}: unknown kind {kind!r} (use one of {sorted(KINDS)} or a list)")
    return out


def fields_for(data: dict[str, Any]) -> dict[str, FieldInfo]:
    """The real model's fields when the type is registered, else the file's declared contract."""
    spec = registry.get(data.get("document_type", ""))
    declared = declared_fields(data)
    if spec is None:
        return declared
    real = spec.fields()
    missing = [name for name in declared if name not in real]
    if missing:
        raise FixtureError(
            f"{spec.key} lacks fields this file expects: {', '.join(missing)} "
            "(rename them in the fixture or add them to the model)"
        )
    return real


def _roles_known() -> set[str]:
    from scenic_ops.core.roles import load_matrix

    return {r["code"] for r in load_matrix().roles}


def validate(data: dict[str, Any]) -> list[str]:
    """Problems of a fixture file's content (empty when it can be loaded)."""
    problems: list[str] = []
    if not data.get("document_type"):
        return ["document_type is missing"]
    try:
        fields = fields_for(data)
    except FixtureError as exc:
        return [str(exc)]
    roles = _roles_known()
    names = notifications.message_names(fields)
    user_fields = {n for n, i in fields.items() if i.is_user}
    states_by_workflow: set[str] = set()
    for wf in data.get("workflow", []):
        where = f"workflow {wf.get('name', '?')}"
        states = wf.get("states", [])
        states_by_workflow |= {s["code"] for s in states}
        for s in states:
            if s.get("colour", "grey") not in Colour.values:
                problems.append(f"{where}: state {s['code']}: unknown colour {s.get('colour')}")
            problems += [
                f"{where}: state {s['code']}: unknown role {r}" for r in s.get("edit_roles", []) if r not in roles
            ]
        specs = []
        for index, t in enumerate(wf.get("transitions", [])):
            problems += [f"{where}: {t.get('action')}: unknown role {r}" for r in t.get("roles", []) if r not in roles]
            if t.get("mode", "any") not in ApprovalMode.values:
                problems.append(f"{where}: {t.get('action')}: unknown approval mode {t.get('mode')}")
            if t.get("approver_field") and t["approver_field"] not in user_fields:
                problems.append(f"{where}: {t.get('action')}: approver_field {t['approver_field']} is not a user field")
            has = any(
                t.get(k)
                for k in (
                    "roles",
                    "users",
                    "departments",
                    "requester",
                    "requester_manager",
                    "department_head",
                    "assignee",
                )
            )
            specs.append(
                definition.TransitionSpec(
                    t["from"], t["action"], t["to"], t.get("condition", ""), has or bool(t.get("approver_field")), index
                )
            )
        state_specs = [definition.StateSpec(s["code"], s.get("initial", False), s.get("final", False)) for s in states]
        problems += [f"{where}: {p.message}" for p in definition.check(state_specs, specs, fields)]
    for rule in data.get("notification", []):
        where = f"notification {rule.get('name', '?')}"
        if rule.get("event") not in Event.values:
            problems.append(f"{where}: unknown event {rule.get('event')}")
        problems += [f"{where}: unknown role {r}" for r in rule.get("roles", []) if r not in roles]
        if rule.get("state") and rule["state"] not in states_by_workflow:
            problems.append(f"{where}: unknown state {rule['state']}")
        problems += _check_expression(where, rule.get("condition", ""), fields)
        for key in ("subject", "message", "subject_en", "message_en"):
            try:
                templating.validate(rule.get(key, ""), names)
            except templating.TemplateError as exc:
                problems.append(f"{where}: {key}: {exc.message}")
    for rule in data.get("assignment", []):
        where = f"assignment {rule.get('name', '?')}"
        if rule.get("role") not in roles:
            problems.append(f"{where}: unknown role {rule.get('role')}")
        if rule.get("state") and rule["state"] not in states_by_workflow:
            problems.append(f"{where}: unknown state {rule['state']}")
        problems += _check_expression(where, rule.get("condition", ""), fields)
    for rule in data.get("sla", []):
        problems += _check_expression(f"sla {rule.get('name', '?')}", rule.get("condition", ""), fields)
        if not rule.get("targets"):
            problems.append(f"sla {rule.get('name', '?')}: no targets")
    for rule in data.get("escalation", []):
        where = f"escalation {rule.get('name', '?')}"
        if rule.get("state") not in states_by_workflow:
            problems.append(f"{where}: unknown state {rule.get('state')}")
        problems += [f"{where}: unknown role {r}" for r in rule.get("roles", []) if r not in roles]
    return problems


def _check_expression(where: str, expression: str, fields: dict[str, FieldInfo]) -> list[str]:
    try:
        conditions.validate(expression, fields)
    except conditions.ConditionError as exc:
        return [f"{where}: condition: {exc.message}"]
    return []


@transaction.atomic
def load_data(data: dict[str, Any], report: Report) -> None:
    key = data["document_type"]
    problems = validate(data)
    if problems:
        raise FixtureError("; ".join(problems))
    for wf in data.get("workflow", []):
        _load_workflow(key, wf, report)
    for rule in data.get("notification", []):
        _load_notification(key, rule, report)
    for rule in data.get("assignment", []):
        _upsert(
            AssignmentRule,
            rule["name"],
            report,
            document_type=key,
            enabled=rule.get("enabled", True),
            priority=rule.get("priority", 0),
            trigger=rule.get("trigger", "created"),
            state=rule.get("state", ""),
            condition=rule.get("condition", ""),
            role=rule["role"],
            strategy=rule.get("strategy", "round_robin"),
            keep_assignee=rule.get("keep_assignee", False),
        )
    for rule in data.get("sla", []):
        policy = _upsert(
            SlaPolicy,
            rule["name"],
            report,
            document_type=key,
            enabled=rule.get("enabled", True),
            priority=rule.get("priority", 0),
            condition=rule.get("condition", ""),
            day_start=dt.time.fromisoformat(rule.get("day_start", "08:30")),
            day_end=dt.time.fromisoformat(rule.get("day_end", "17:30")),
            around_the_clock=rule.get("around_the_clock", False),
            warn_at_percent=rule.get("warn_at_percent", 80),
        )
        if policy is not None:
            for target in rule["targets"]:
                SlaTarget.objects.create(
                    policy=policy,
                    priority=target.get("priority", ""),
                    response_hours=Decimal(str(target["response_hours"])),
                    resolution_hours=Decimal(str(target["resolution_hours"])),
                )
    for rule in data.get("escalation", []):
        _upsert(
            EscalationRule,
            rule["name"],
            report,
            document_type=key,
            enabled=rule.get("enabled", True),
            state=rule["state"],
            after_hours=Decimal(str(rule["after_hours"])),
            working_hours=rule.get("working_hours", True),
            to_approvers_managers=rule.get("to_approvers_managers", True),
            to_roles=rule.get("roles", []),
            to_department_head=rule.get("to_department_head", False),
        )


def _upsert(model, name: str, report: Report, **values):
    if model.objects.filter(name=name).exists():
        report.kept.append(f"{model._meta.verbose_name}: {name}")
        return None
    obj = model.objects.create(name=name, **values)
    report.created.append(f"{model._meta.verbose_name}: {name}")
    return obj


def _load_workflow(key: str, wf: dict[str, Any], report: Report) -> None:
    if Workflow.objects.filter(name=wf["name"]).exists():
        report.kept.append(f"workflow: {wf['name']}")
        return
    spec = registry.get(key)
    active = wf.get("active", True) and not Workflow.objects.filter(document_type=key, is_active=True).exists()
    workflow = Workflow.objects.create(
        name=wf["name"],
        document_type=key,
        state_field=wf.get("state_field", spec.state_field if spec else "state"),
        is_active=active,
        description=wf.get("description", ""),
    )
    for position, s in enumerate(wf.get("states", [])):
        WorkflowState.objects.create(
            workflow=workflow,
            code=s["code"],
            label=s["label"],
            label_en=s.get("label_en", ""),
            colour=s.get("colour", "grey"),
            edit_roles=s.get("edit_roles", []),
            requester_may_edit=s.get("requester_may_edit", False),
            is_initial=s.get("initial", False),
            is_final=s.get("final", False),
            pauses_sla=s.get("pauses_sla", False),
            position=position,
        )
    for position, t in enumerate(wf.get("transitions", [])):
        transition = WorkflowTransition.objects.create(
            workflow=workflow,
            from_state=t["from"],
            action=t["action"],
            label=t["label"],
            label_en=t.get("label_en", ""),
            to_state=t["to"],
            condition=t.get("condition", ""),
            allowed_roles=t.get("roles", []),
            approver_departments=t.get("departments", []),
            requester=t.get("requester", False),
            requester_manager=t.get("requester_manager", False),
            department_head=t.get("department_head", False),
            assignee=t.get("assignee", False),
            approver_field=t.get("approver_field", ""),
            approval_mode=t.get("mode", "any"),
            quorum=t.get("quorum", 1),
            allow_self_approval=t.get("self_approval", True),
            comment_required=t.get("comment_required", False),
            position=position,
        )
        users = list(User.objects.filter(username__in=t.get("users", [])))
        if users:
            transition.allowed_users.set(users)
    report.created.append(f"workflow: {wf['name']}{'' if active else ' (inactive: another is active)'}")


def _load_notification(key: str, rule: dict[str, Any], report: Report) -> None:
    _upsert(
        NotificationRule,
        rule["name"],
        report,
        document_type=key,
        enabled=rule.get("enabled", True),
        event=rule["event"],
        state=rule.get("state", ""),
        action=rule.get("action", ""),
        field=rule.get("field", ""),
        days=rule.get("days", 0),
        condition=rule.get("condition", ""),
        recipient_roles=rule.get("roles", []),
        recipient_field=rule.get("recipient_field", ""),
        to_requester=rule.get("to_requester", False),
        to_department_head=rule.get("to_department_head", False),
        to_assignee=rule.get("to_assignee", False),
        to_approvers=rule.get("to_approvers", False),
        in_app=rule.get("in_app", True),
        email=rule.get("email", False),
        sms=rule.get("sms", False),
        wecom=rule.get("wecom", False),
        wecom_webhook=rule.get("wecom_webhook", ""),
        subject=rule["subject"],
        subject_en=rule.get("subject_en", ""),
        message=rule.get("message", ""),
        message_en=rule.get("message_en", ""),
    )


def files(folder: Path = FOLDER) -> list[Path]:
    return sorted(folder.glob("*.toml"))


def load_for(document_type: str, *, folder: Path = FOLDER, stdout=None) -> Report:
    """Load the fixture files of one document type (a domain may call this once its type exists)."""
    return load(stdout=stdout, folder=folder, only=document_type)


def load(stdout=None, *, folder: Path = FOLDER, only: str | None = None) -> Report:
    report = Report()
    for path in files(folder):
        try:
            data = read(path)
        except FixtureError as exc:
            report.errors.append(str(exc))
            continue
        key = data.get("document_type", "")
        if only and key != only:
            continue
        if registry.get(key) is None:
            report.skipped.append(f"{path.name} ({key} not registered yet)")
            continue
        try:
            load_data(data, report)
        except FixtureError as exc:
            report.errors.append(f"{path.name}: {exc}")
    if stdout is not None:
        stdout.write(
            f"workflows: {len(report.created)} created, {len(report.kept)} kept, "
            f"{len(report.skipped)} files waiting for their document type"
        )
        for line in report.errors:
            stdout.write(f"workflows: ERROR {line}")
    return report
