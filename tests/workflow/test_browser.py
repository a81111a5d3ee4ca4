"""Acceptance in Debian's headless Chromium: build a workflow in the desk, move a document through it,
and approve from the inbox on a phone-sized screen."""

from __future__ import annotations

import pytest

from scenic_ops.workflow import services
from scenic_ops.workflow.models import ApprovalRequest, Workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.context.clear_cookies()


def tick(page, selector: str, on: bool = True):
    """Unfold draws booleans as switches; a real click event toggles the input underneath."""
    box = page.locator(selector)
    if box.is_checked() != on:
        box.dispatch_event("click")
    assert box.is_checked() == on, selector


def add_row(page, group: str):
    page.locator(f"#{group}-group a.add-row").first.click()


def test_sysadmin_builds_a_three_state_workflow_and_other_roles_move_a_document_through_it(
    desk_login, make_user, live_server, page
):
    sysadmin = make_user("sysadmin", display_name="王建国")
    clerk = make_user("ticket_clerk", display_name="张丽")
    manager = make_user("manager", display_name="李慧敏")

    # 1. As 系统管理员: a new workflow for the general approval request, in the desk
    desk_login(sysadmin)
    page.goto(f"{live_server.url}/admin/workflow/workflow/add/")
    page.fill("input[name=name]", "三步审批")
    page.select_option("select[name=document_type]", "workflow.approvalrequest")
    for _ in range(2):
        add_row(page, "states")
    rows = [("draft", "草稿", True, False), ("review", "经理审批", False, False), ("done", "已通过", False, True)]
    for i, (code, label, initial, final) in enumerate(rows):
        page.fill(f"input[name='states-{i}-code']", code)
        page.fill(f"input[name='states-{i}-label']", label)
        page.fill(f"input[name='states-{i}-position']", str(i))
        if initial:
            tick(page, f"input[name='states-{i}-is_initial']")
            tick(page, f"input[name='states-{i}-requester_may_edit']")
        if final:
            tick(page, f"input[name='states-{i}-is_final']")
    for _ in range(2):
        add_row(page, "transitions")
    page.fill("input[name='transitions-0-from_state']", "draft")
    page.fill("input[name='transitions-0-action']", "submit")
    page.fill("input[name='transitions-0-label']", "送审")
    page.fill("input[name='transitions-0-to_state']", "review")
    tick(page, "input[name='transitions-0-requester']")
    page.fill("input[name='transitions-1-from_state']", "review")
    page.fill("input[name='transitions-1-action']", "approve")
    page.fill("input[name='transitions-1-label']", "经理批准")
    page.fill("input[name='transitions-1-to_state']", "done")
    page.fill("input[name='transitions-1-condition']", "amount > 1000 and priority != 'low'")
    tick(page, "input[name='transitions-1-allowed_roles'][value='manager']")
    tick(page, "input[name='transitions-1-allow_self_approval']", on=False)
    page.click("button[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/workflow/workflow/")
    workflow = Workflow.objects.get(name="三步审批")
    assert workflow.is_active and workflow.states.count() == 3
    assert workflow.transitions.get(action="approve").condition == "amount > 1000 and priority != 'low'"

    # 2. As 票务员: raise a request and send it for approval from its page
    logout(page)
    desk_login(clerk)
    page.goto(f"{live_server.url}/admin/workflow/approvalrequest/add/")
    page.fill("input[name=title]", "售票窗口打印机更换")
    page.fill("input[name=amount]", "3800")
    page.click("button[name=_continue]")
    page.wait_for_selector("#workflow-panel")
    assert page.locator("[data-testid=workflow-state]").inner_text() == "草稿"
    assert page.locator("#workflow-actions button[data-action=approve]").count() == 0
    page.click("#workflow-actions button[data-action=submit]")
    page.wait_for_selector("[data-testid=workflow-state]:has-text('经理审批')")
    request = ApprovalRequest.objects.get(title="售票窗口打印机更换")
    assert request.state == "review"
    assert page.locator("#workflow-actions").count() == 0  # nothing more for the clerk

    # 3. As 景区经理: approve with a comment, then read the approval history
    logout(page)
    desk_login(manager)
    page.goto(f"{live_server.url}/admin/workflow/approvalrequest/{request.pk}/change/")
    page.fill("#wf-comment", "同意更换，走办公经费")
    page.click("#workflow-actions button[data-action=approve]")
    page.wait_for_selector("[data-testid=workflow-state]:has-text('已通过')")
    history = page.locator("#workflow-history")
    assert history.locator("li[data-kind=transition]").count() == 2
    text = history.inner_text()
    assert "张丽" in text and "送审" in text
    assert "李慧敏" in text and "经理批准" in text and "同意更换，走办公经费" in text
    request.refresh_from_db()
    assert request.state == "done"
    page.screenshot(path="var/screenshots/workflow-document.png", full_page=True)


def test_the_approvals_inbox_on_a_phone(desk_login, make_user, make_workflow, make_request, live_server, page):
    make_workflow()
    requester, finance = make_user("ticket_clerk", display_name="张丽"), make_user("finance", display_name="郑芳")
    docs = [make_request(requester, amount=200 * (i + 1), title=f"采购申请{i}") for i in range(3)]
    for doc in docs:
        services.apply(doc, "submit", requester)
    page.set_viewport_size({"width": 390, "height": 844})
    desk_login(finance)
    page.goto(f"{live_server.url}/workflow/inbox/")
    assert page.locator("[data-testid=inbox-total]").inner_text() == "3"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the inbox scrolls sideways on a phone: {width}px"
    card = page.locator(f"form[data-document='workflow.approvalrequest:{docs[0].pk}']")
    button = card.locator("button[data-action=approve]")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path="var/screenshots/workflow-inbox-phone.png", full_page=True)

    # approve one with a comment, in one step
    card.locator("textarea[name=comment]").fill("同意")
    button.click()
    page.wait_for_selector("[data-testid=inbox-total]:has-text('2')")
    docs[0].refresh_from_db()
    assert docs[0].state == "approved"
    assert services.history(docs[0]).last().comment == "同意"

    # reject needs a comment: refused with the reason, nothing changes
    card = page.locator(f"form[data-document='workflow.approvalrequest:{docs[1].pk}']")
    card.locator("button[data-action=reject]").click()
    page.wait_for_load_state()
    docs[1].refresh_from_db()
    assert docs[1].state == "review"
    assert page.locator("[data-testid=inbox-total]").inner_text() == "2"

    # bulk approve the rest
    page.check("#wf-select-all")
    page.click("#wf-bulk-submit")
    page.wait_for_selector("[data-testid=inbox-empty]")
    assert {ApprovalRequest.objects.get(pk=d.pk).state for d in docs} == {"approved"}
