"""Builders for workflow tests: workflows from compact dicts (the fixture-file format), documents."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir("/tmp/scenic-hypothesis")  # keep hypothesis' files out of the shared work tree

APPROVAL = "workflow.approvalrequest"
_seq = itertools.count(1)

# A small approval workflow used across tests: draft → review → approved / rejected,
# with a conditional second level for big amounts.
BASIC = {
    "name": "test approval",
    "states": [
        {"code": "draft", "label": "草稿", "label_en": "Draft", "initial": True, "requester_may_edit": True},
        {"code": "review", "label": "审批中", "label_en": "In review"},
        {"code": "big_review", "label": "经理审批", "label_en": "Manager review"},
        {"code": "approved", "label": "已批准", "label_en": "Approved", "final": True},
        {"code": "rejected", "label": "已驳回", "label_en": "Rejected", "final": True},
    ],
    "transitions": [
        {"from": "draft", "action": "submit", "label": "提交", "to": "review", "requester": True},
        {
            "from": "review",
            "action": "approve",
            "label": "批准",
            "to": "approved",
            "condition": "amount <= 5000",
            "roles": ["finance"],
            "self_approval": False,
        },
        {
            "from": "review",
            "action": "approve",
            "label": "批准并上报",
            "to": "big_review",
            "condition": "amount > 5000",
            "roles": ["finance"],
            "self_approval": False,
        },
        {
            "from": "review",
            "action": "reject",
            "label": "驳回",
            "to": "rejected",
            "roles": ["finance", "manager"],
            "comment_required": True,
        },
        {"from": "big_review", "action": "approve", "label": "批准", "to": "approved", "roles": ["manager"]},
        {"from": "big_review", "action": "reject", "label": "驳回", "to": "rejected", "roles": ["manager"]},
    ],
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Roles and permissions once per session (syncing them costs ~0.6 s a test otherwise).

    pytest-django runs transactional tests (which empty the tables) after the others;
    `roles` below syncs again when it finds them gone.
    """
    from scenic_ops.core.roles import sync_roles

    with django_db_blocker.unblock():
        sync_roles()


@pytest.fixture
def roles(db):
    from scenic_ops.core.models import Role
    from scenic_ops.core.roles import load_matrix, sync_roles

    if (
        Role.objects.count() != len(load_matrix().roles)
        or not Role.objects.filter(group__permissions__isnull=False).exists()
    ):
        sync_roles()


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are checked in English here; tests of the Chinese default say so explicitly."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def make_workflow(db, roles):
    from scenic_ops.workflow import setup

    def build(definition: dict | None = None, *, document_type: str = APPROVAL, **extra):
        data = {"document_type": document_type, "workflow": [dict(definition or BASIC, name=f"wf-{next(_seq)}")]}
        data.update(extra)
        setup.load_data(data, setup.Report())
        from scenic_ops.workflow.models import Workflow

        return Workflow.objects.get(name=data["workflow"][0]["name"])

    return build


@pytest.fixture
def make_department(db):
    from scenic_ops.core.models import Department

    def build(head=None, code: str | None = None):
        n = next(_seq)
        return Department.objects.create(code=code or f"dept-{n}", name=f"部门{n}", head=head)

    return build


@pytest.fixture
def make_request(db):
    """make_request(requester, amount=...) -> an ApprovalRequest started under the active workflow."""
    from scenic_ops.workflow import services
    from scenic_ops.workflow.models import ApprovalRequest

    def build(requester, *, amount="1000.00", start=True, now=None, **fields):
        request = ApprovalRequest.objects.create(
            title=fields.pop("title", f"申请 {next(_seq)}"),
            amount=Decimal(str(amount)),
            requester=requester,
            department=fields.pop("department", requester.department),
            **fields,
        )
        if start:
            services.start(request, requester, now=now)
            request.refresh_from_db()
        return request

    return build


def at(text: str) -> dt.datetime:
    """A moment in Asia/Shanghai: at("2026-01-05 09:00")."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.fromisoformat(text))
