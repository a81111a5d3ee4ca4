"""等保2.0 security reviews: the control library from YAML, one result row per control, findings
through remediation, and the security auditor's sign-off (三员分立)."""

from __future__ import annotations

import datetime as dt

import pytest

from scenic_ops.governance import security
from scenic_ops.governance.errors import GovernanceError
from scenic_ops.governance.models import Control, ControlResult, Layer, ReviewCycle, RiskReview
from scenic_ops.workflow import services as workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    return type(
        "Team",
        (),
        {
            "admin": make_user("security_admin", display_name="林涛"),
            "auditor": make_user("security_auditor", display_name="马骏"),
            "other_auditor": make_user("security_auditor", display_name="审计二"),
            "manager": make_user("manager"),
            "other_manager": make_user("manager"),
            "sysadmin": make_user("sysadmin"),
        },
    )


def test_the_library_loads_every_layer_once(db):
    created, updated = security.load_library()
    assert created == Control.objects.count() >= 40 and updated == 0
    assert set(Control.objects.values_list("layer", flat=True)) == set(Layer.values)  # all ten layers
    assert security.load_library() == (0, created)  # idempotent: the patch can run again
    assert Control.objects.get(code="CMP-09").title == "个人信息保护"


def test_a_review_cycle_creates_one_result_row_per_control_in_use(team):
    security.load_library()
    Control.objects.filter(code="PHY-03").update(active=False)
    cycle = security.open_cycle(
        name="2026年度等保自查", starts_on=dt.date(2026, 9, 1), due_on=dt.date(2026, 10, 31), user=team.admin
    )
    in_use = Control.objects.filter(active=True, level=3).count()
    assert cycle.results.count() == in_use and in_use == Control.objects.count() - 1
    assert set(cycle.results.values_list("result", flat=True)) == {ControlResult.Result.PENDING}
    assert not cycle.results.filter(control__code="PHY-03").exists()
    assert security.add_result_rows(cycle) == 0  # never a second row for a control


def test_only_another_auditor_signs_off_a_finished_review(team, roles):
    from scenic_ops.workflow import setup

    setup.load_for("governance.riskreview")
    security.load_library()
    cycle = security.open_cycle(
        name="自查", starts_on=dt.date(2026, 9, 1), due_on=dt.date(2026, 10, 31), user=team.other_auditor
    )
    with pytest.raises(GovernanceError) as err:
        security.sign_off(cycle, team.sysadmin)
    assert err.value.code == "not_auditor"  # the system administrator has no part in it
    with pytest.raises(GovernanceError) as err:
        security.sign_off(cycle, team.other_auditor)
    assert err.value.code == "own_review"
    with pytest.raises(GovernanceError) as err:
        security.sign_off(cycle, team.auditor)
    assert err.value.code == "review_not_done"

    cycle.results.update(result=ControlResult.Result.COMPLIANT)
    gap = cycle.results.get(control__code="CMP-01")
    gap.result = ControlResult.Result.PARTLY
    gap.save()
    finding = RiskReview.objects.create(
        title="管理员未启用双因素认证",
        risk_level="medium",
        cycle=cycle,
        control=gap.control,
        owner=team.admin,
        raised_by=team.admin,
        review_due=dt.date(2026, 10, 15),
    )
    workflow.start(finding, team.admin)
    workflow.apply(finding, "submit", team.admin)
    workflow.apply(finding, "approve", team.manager)
    workflow.apply(finding, "approve", team.auditor)  # any two of the three: on to remediation
    finding.refresh_from_db()
    assert finding.state == "remediation"
    with pytest.raises(GovernanceError) as err:
        security.sign_off(cycle, team.auditor)
    assert err.value.code == "review_not_done" and "双因素" in err.value.detail
    from scenic_ops.workflow.errors import WorkflowError

    with pytest.raises(WorkflowError):
        workflow.apply(finding, "close", team.admin)  # only the auditor verifies the remediation
    workflow.apply(finding, "close", team.auditor, "已启用OTP，复查通过")
    signed = security.sign_off(cycle, team.auditor, "整改完成")
    assert signed.status == ReviewCycle.Status.SIGNED_OFF and signed.signed_off_by == team.auditor
    with pytest.raises(GovernanceError) as err:
        security.sign_off(cycle, team.auditor)
    assert err.value.code == "already_signed_off"


def test_a_risk_acceptance_is_decided_by_another_person_and_lapses_at_its_date(team, roles):
    from django.utils import timezone

    from scenic_ops.governance.models import RiskAcceptance

    security.load_library()
    cycle = security.open_cycle(
        name="自查", starts_on=dt.date(2026, 9, 1), due_on=dt.date(2026, 10, 31), user=team.admin
    )
    cycle.results.update(result=ControlResult.Result.COMPLIANT)
    finding = RiskReview.objects.create(title="旧闸机固件无法升级", risk_level="low", cycle=cycle, raised_by=team.admin)
    today = timezone.localdate()
    with pytest.raises(GovernanceError) as err:
        security.request_acceptance(finding, team.admin, reason="设备明年更换", expires_on=today)
    assert err.value.code == "acceptance_in_the_past"
    acceptance = security.request_acceptance(
        finding, team.manager, reason="设备明年更换", expires_on=today + dt.timedelta(days=90)
    )
    with pytest.raises(GovernanceError) as err:
        security.decide_acceptance(acceptance, team.manager, approve=True)
    assert err.value.code == "own_acceptance"  # the requester cannot approve it
    with pytest.raises(GovernanceError) as err:
        security.decide_acceptance(acceptance, team.admin, approve=True)
    assert err.value.code == "not_allowed"
    assert "旧闸机" in security.blockers(cycle)[0]
    security.decide_acceptance(acceptance, team.other_manager, approve=True)
    assert security.blockers(cycle) == []  # an accepted risk no longer stops the sign-off
    with pytest.raises(GovernanceError) as err:
        security.decide_acceptance(acceptance, team.other_manager, approve=False)
    assert err.value.code == "acceptance_decided"
    later = timezone.now() + dt.timedelta(days=91)
    assert security.expire_acceptances(later) == 1
    assert RiskAcceptance.objects.get().state == "expired"
    assert security.blockers(cycle) != []  # open again
