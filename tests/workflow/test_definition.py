"""Whole-workflow checks on save, and the default workflows shipped as data in fixtures/workflows/."""

from __future__ import annotations

import copy
import shutil

import pytest

from scenic_ops.workflow import definition, setup
from scenic_ops.workflow.definition import StateSpec, TransitionSpec
from scenic_ops.workflow.models import NotificationRule, SlaPolicy, Workflow, WorkflowState
from tests.workflow.conftest import BASIC

STATES = [StateSpec("draft", is_initial=True), StateSpec("review"), StateSpec("done", is_final=True)]
GOOD = [TransitionSpec("draft", "submit", "review", index=0), TransitionSpec("review", "approve", "done", index=1)]


def messages(states, transitions, fields=None):
    return [p.message for p in definition.check(states, transitions, fields)]


def test_a_good_workflow_passes():
    assert messages(STATES, GOOD) == []


@pytest.mark.parametrize(
    ("states", "transitions", "words"),
    [
        ([StateSpec("draft"), *STATES[1:]], GOOD, ["exactly one initial", "0"]),
        ([StateSpec("a", is_initial=True), *STATES], GOOD, ["exactly one initial", "2"]),
        ([STATES[0], STATES[1], StateSpec("done")], GOOD, ["final"]),
        (STATES + [StateSpec("orphan", is_final=True)], GOOD, ["cannot be reached", "orphan"]),
        (STATES, [GOOD[0], TransitionSpec("review", "approve", "dnoe", index=1)], ["unknown state", "dnoe"]),
        (STATES, [TransitionSpec("drat", "submit", "review", index=0), GOOD[1]], ["unknown state", "drat"]),
        (STATES, [GOOD[0]], ["no transition out", "review"]),
        (STATES, [GOOD[0], TransitionSpec("review", "approve", "done", has_approvers=False, index=1)], ["who may"]),
        ([*STATES, StateSpec("draft")], GOOD, ["used twice"]),
    ],
)
def test_a_workflow_is_checked_when_saved(states, transitions, words):
    found = " | ".join(messages(states, transitions))
    assert found
    for word in words:
        assert word in found


def test_the_fixture_loader_refuses_a_bad_condition_and_saves_nothing(db, roles):
    bad = copy.deepcopy(BASIC)
    bad["name"] = "bad"
    bad["transitions"][1]["condition"] = "amount >> 5000 and priorty == 1"
    with pytest.raises(setup.FixtureError) as caught:
        setup.load_data({"document_type": "workflow.approvalrequest", "workflow": [bad]}, setup.Report())
    assert "condition" in str(caught.value) and "column" in str(caught.value)
    assert not Workflow.objects.filter(name="bad").exists()


@pytest.mark.parametrize("path", setup.files(), ids=lambda p: p.name)
def test_every_shipped_fixture_file_is_valid(path):
    data = setup.read(path)
    assert setup.validate(data) == []
    assert data.get("workflow") or data.get("notification"), "each file ships a workflow or reminder rules"


def test_fixtures_cover_the_document_types_later_domains_add():
    types = {setup.read(p)["document_type"] for p in setup.files()}
    assert types >= {
        "workflow.approvalrequest",
        "operations.repairticket",
        "service.complaint",
        "governance.budget",
        "service.dispatchorder",
        "governance.riskreview",
        "shop.refund",
    }


def test_loading_is_idempotent_skips_unregistered_types_and_keeps_desk_edits(db, roles, tmp_path):
    shutil.copy(setup.FOLDER / "approval_request.toml", tmp_path / "approval_request.toml")
    later = (setup.FOLDER / "shop_refund.toml").read_text(encoding="utf-8")
    (tmp_path / "later.toml").write_text(later.replace('"shop.refund"', '"later.thing"'), encoding="utf-8")
    report = setup.load(folder=tmp_path)
    assert "workflow: 通用审批" in report.created
    assert report.skipped == ["later.toml (later.thing not registered yet)"]
    assert report.errors == []
    workflow = Workflow.objects.get(name="通用审批")
    assert workflow.is_active and workflow.states.count() == 6
    state = WorkflowState.objects.get(workflow=workflow, code="approved")
    state.label = "已同意"
    state.save()
    again = setup.load(folder=tmp_path)
    assert again.created == [] and "workflow: 通用审批" in again.kept
    state.refresh_from_db()
    assert state.label == "已同意"
    assert NotificationRule.objects.filter(document_type="workflow.approvalrequest").count() == 4
    assert SlaPolicy.objects.get(name="通用审批时限").targets.count() == 3


def test_a_fixture_is_checked_against_the_real_model(tmp_path, db, roles):
    source = setup.FOLDER / "approval_request.toml"
    text = source.read_text(encoding="utf-8").replace('title = "str"', 'title = "str"\nestimated_cost = "decimal"')
    (tmp_path / "approval_request.toml").write_text(text, encoding="utf-8")
    report = setup.load(folder=tmp_path)
    assert report.created == []
    assert len(report.errors) == 1 and "estimated_cost" in report.errors[0]
