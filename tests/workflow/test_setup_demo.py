"""Set-up loads the default workflows; the demo builds approval requests in several states (both idempotent)."""

from __future__ import annotations

import io

import pytest

from scenic_ops.workflow import demo, services
from scenic_ops.workflow.models import ApprovalRequest, Workflow


def test_setup_site_runs_the_workflow_fixture_loader():
    from scenic_ops.core.management.commands.setup_site import _domain_setups
    from scenic_ops.workflow import setup

    assert setup in list(_domain_setups())


@pytest.mark.django_db
def test_the_loader_reports_and_is_idempotent(roles):
    from scenic_ops.workflow import setup

    out = io.StringIO()
    setup.load(stdout=out)
    assert "workflows: " in out.getvalue() and "ERROR approval_request" not in out.getvalue()
    mine = Workflow.objects.filter(document_type="workflow.approvalrequest")
    assert mine.filter(is_active=True).count() == 1
    total = Workflow.objects.count()  # other domains' types load their fixtures too
    setup.load()
    assert mine.count() == 1 and Workflow.objects.count() == total


@pytest.mark.django_db
def test_demo_builds_requests_in_several_states(roles):
    from scenic_ops.core import demo as core_demo

    out = io.StringIO()
    core_demo.build(out)
    demo.build(out)
    demo.build(out)
    states = dict(ApprovalRequest.objects.values_list("title", "state"))
    assert len(states) == 5
    assert states["售票窗口热敏打印机更换"] == "pending_head"
    assert states["游客中心轮椅和婴儿车补充"] == "pending_manager"
    assert states["节假日临时安保人员劳务费"] == "draft"
    manager = ApprovalRequest.objects.get(title="游客中心轮椅和婴儿车补充").requester.department.head
    assert services.available_actions(ApprovalRequest.objects.get(title="售票窗口热敏打印机更换"), manager)


@pytest.mark.django_db
def test_the_request_list_reads_tracks_in_one_query(
    client, make_workflow, make_request, make_user, django_assert_max_num_queries
):
    make_workflow()
    requester = make_user("ticket_clerk")
    for _ in range(15):
        make_request(requester)
    client.force_login(make_user("sysadmin"))
    client.get("/admin/workflow/approvalrequest/")  # warm caches (content types, site profile)
    with django_assert_max_num_queries(30):
        response = client.get("/admin/workflow/approvalrequest/")
    assert response.status_code == 200
