"""In Debian's headless Chromium: a manager approves a budgeted purchase from the inbox on a phone,
sees the budget refuse the next one (Stop), and a Warn line let it pass with a warning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scenic_ops.governance.models import Budget, BudgetEntry
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.models import ApprovalRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_manager_approves_a_budgeted_purchase_on_a_phone(workflows, org, budget_line, desk_login, live_server, page):
    line = budget_line("purchase", "20000", control="stop", title="工程运维部设备采购")
    docs = []
    for title in ("采购巡检无人机", "采购应急发电机"):
        doc = ApprovalRequest.objects.create(
            title=title,
            amount=Decimal("12000"),
            department=org.engineering,
            requester=org.asker,
            budget_category="purchase",
        )
        workflow.start(doc, org.asker)
        workflow.apply(doc, "submit", org.asker)
        workflow.apply(doc, "approve", org.head)  # over 10,000: on to the manager
        docs.append(doc)
    page.set_viewport_size(PHONE)
    desk_login(org.manager)
    page.goto(f"{live_server.url}/workflow/inbox/")
    assert page.locator("[data-testid=inbox-total]").inner_text() == "2"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    card = page.locator(f"form[data-document='workflow.approvalrequest:{docs[0].pk}']")
    card.locator("textarea[name=comment]").fill("同意，按预算采购")
    card.locator("button[data-action=approve]").click()
    page.wait_for_selector("[data-testid=inbox-total]:has-text('1')")
    line.refresh_from_db()
    assert ApprovalRequest.objects.get(pk=docs[0].pk).state == "approved" and line.committed == Decimal("12000")

    # 8,000 left on a Stop line: the second purchase is refused, with the reason, and stays with the manager
    card = page.locator(f"form[data-document='workflow.approvalrequest:{docs[1].pk}']")
    card.locator("button[data-action=approve]").click()
    page.wait_for_load_state()
    assert "超出预算" in page.locator("body").inner_text()
    assert page.locator("[data-testid=inbox-total]").inner_text() == "1"
    assert ApprovalRequest.objects.get(pk=docs[1].pk).state == "pending_manager"
    page.screenshot(path="var/screenshots/governance-budget-refused-phone.png", full_page=True)

    # the line turned to Warn: it passes, and the manager is told it overran
    Budget.objects.filter(pk=line.pk).update(control="warn")
    page.goto(f"{live_server.url}/workflow/inbox/")
    card = page.locator(f"form[data-document='workflow.approvalrequest:{docs[1].pk}']")
    card.locator("button[data-action=approve]").click()
    page.wait_for_selector("[data-testid=inbox-empty]")
    assert "超出预算 4000" in page.locator("body").inner_text()
    line.refresh_from_db()
    assert line.committed == Decimal("24000") and BudgetEntry.objects.filter(over_budget=True).count() == 1


def test_a_security_auditor_signs_off_a_review_in_the_desk(roles, make_user, desk_login, live_server, page):
    import datetime as dt

    from scenic_ops.governance import security
    from scenic_ops.governance.models import ControlResult, ReviewCycle

    security.load_library()
    admin, auditor = (
        make_user("security_admin", display_name="林涛"),
        make_user("security_auditor", display_name="马骏"),
    )
    cycle = security.open_cycle(
        name="2026年度等保自查", starts_on=dt.date(2026, 9, 1), due_on=dt.date(2026, 10, 31), user=admin
    )
    pending = cycle.results.first()
    cycle.results.exclude(pk=pending.pk).update(result=ControlResult.Result.COMPLIANT)
    desk_login(auditor)
    page.goto(f"{live_server.url}/admin/governance/reviewcycle/{cycle.pk}/sign-off/")
    assert pending.control.code in page.locator("[data-testid=blockers]").inner_text()
    page.click("[data-testid=sign-off]")
    page.wait_for_load_state()
    assert "仍有" in page.locator("body").inner_text() or "尚未" in page.locator("body").inner_text()
    assert ReviewCycle.objects.get(pk=cycle.pk).status == "open"

    ControlResult.objects.filter(pk=pending.pk).update(result=ControlResult.Result.NA)
    page.goto(f"{live_server.url}/admin/governance/reviewcycle/{cycle.pk}/change/")
    page.get_by_text("签署（安全审计员）").first.click()
    page.wait_for_url(f"**/reviewcycle/{cycle.pk}/sign-off/")
    page.fill("#id_note", "41项均已核查，同意签署")
    page.click("[data-testid=sign-off]")
    page.wait_for_url(f"**/reviewcycle/{cycle.pk}/change/")
    cycle.refresh_from_db()
    assert cycle.status == "signed_off" and cycle.signed_off_by == auditor and "同意签署" in cycle.sign_off_note
    assert "已签署" in page.locator("body").inner_text()
    page.screenshot(path="var/screenshots/governance-review-signed-off.png", full_page=True)
