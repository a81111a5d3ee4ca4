"""Security reviews: the control library from YAML, a review cycle with one result per control, and
the security auditor's sign-off (三员分立: never the person who ran the review)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from scenic_ops.core.models import User
from scenic_ops.governance.errors import Code, GovernanceError
from scenic_ops.governance.models import Control, ControlResult, Layer, ReviewCycle, RiskAcceptance, RiskReview

LIBRARY = Path(__file__).parent / "controls"
FINDING_DONE = ("closed", "rejected")


def load_library(folder: Path = LIBRARY) -> tuple[int, int]:
    """Create or update every control of the YAML files (idempotent). (created, updated)."""
    created = updated = 0
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["controls"]:
            if item["layer"] not in Layer.values:
                raise ValueError(f"{path.name}: {item['code']}: unknown layer {item['layer']}")
            _control, was_created = Control.objects.update_or_create(
                code=item["code"],
                defaults={
                    "standard": data["standard"],
                    "level": data["level"],
                    "layer": item["layer"],
                    "title": item["title"],
                    "title_en": item.get("title_en", ""),
                    "requirement": item["requirement"],
                },
            )
            created += was_created
            updated += not was_created
    return created, updated


@transaction.atomic
def open_cycle(
    *, name: str, starts_on: dt.date, due_on: dt.date, user: User | None = None, scope: str = ""
) -> ReviewCycle:
    """A new review with one result row (not yet checked) for every control of its level in use."""
    cycle = ReviewCycle.objects.create(name=name, starts_on=starts_on, due_on=due_on, scope=scope, created_by=user)
    add_result_rows(cycle)
    return cycle


def add_result_rows(cycle: ReviewCycle) -> int:
    have = set(cycle.results.values_list("control_id", flat=True))
    rows = [
        ControlResult(cycle=cycle, control=control)
        for control in Control.objects.filter(active=True, level=cycle.level)
        if control.pk not in have
    ]
    ControlResult.objects.bulk_create(rows)
    return len(rows)


def blockers(cycle: ReviewCycle) -> list[str]:
    """What stops the sign-off: controls not yet checked, findings neither closed nor under an accepted risk."""
    out = [str(r.control) for r in cycle.results.select_related("control").filter(result=ControlResult.Result.PENDING)]
    today = timezone.localdate()
    accepted = RiskAcceptance.objects.filter(state=RiskAcceptance.State.APPROVED, expires_on__gte=today)
    open_findings = (
        RiskReview.objects.filter(cycle=cycle)
        .exclude(state__in=FINDING_DONE)
        .exclude(pk__in=accepted.values("finding_id"))
    )
    out += [str(f) for f in open_findings]
    return out


@transaction.atomic
def sign_off(cycle: ReviewCycle, auditor: User, note: str = "", *, now: dt.datetime | None = None) -> ReviewCycle:
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if not auditor.has_perm("governance.sign_off_reviewcycle"):
        raise GovernanceError(Code.NOT_AUDITOR)
    if cycle.created_by_id == auditor.pk:
        raise GovernanceError(Code.OWN_REVIEW)
    if cycle.status == ReviewCycle.Status.SIGNED_OFF:
        raise GovernanceError(Code.ALREADY_SIGNED_OFF)
    left = blockers(cycle)
    if left:
        raise GovernanceError(Code.REVIEW_NOT_DONE, count=len(left), first=left[0])
    cycle.status = ReviewCycle.Status.SIGNED_OFF
    cycle.signed_off_by, cycle.signed_off_at, cycle.sign_off_note = auditor, now or timezone.now(), note.strip()[:2000]
    cycle.save(update_fields=["status", "signed_off_by", "signed_off_at", "sign_off_note"])
    return cycle


def request_acceptance(finding: RiskReview, user: User, *, reason: str, expires_on: dt.date) -> RiskAcceptance:
    reason = reason.strip()
    if not reason:
        raise GovernanceError(Code.REASON_REQUIRED)
    if expires_on <= timezone.localdate():
        raise GovernanceError(Code.ACCEPTANCE_IN_THE_PAST)
    return RiskAcceptance.objects.create(
        finding=finding, reason=reason[:2000], expires_on=expires_on, requested_by=user
    )


@transaction.atomic
def decide_acceptance(acceptance: RiskAcceptance, user: User, *, approve: bool, now: dt.datetime | None = None):
    """Approve or refuse, once, by someone holding the right who did not ask for it."""
    acceptance = RiskAcceptance.objects.select_for_update().get(pk=acceptance.pk)
    if not user.has_perm("governance.decide_riskacceptance"):
        raise GovernanceError(Code.NOT_ALLOWED)
    if acceptance.requested_by_id == user.pk:
        raise GovernanceError(Code.OWN_ACCEPTANCE)
    if acceptance.state != RiskAcceptance.State.REQUESTED:
        raise GovernanceError(Code.ACCEPTANCE_DECIDED)
    acceptance.state = RiskAcceptance.State.APPROVED if approve else RiskAcceptance.State.REJECTED
    acceptance.decided_by, acceptance.decided_at = user, now or timezone.now()
    acceptance.save(update_fields=["state", "decided_by", "decided_at"])
    return acceptance


def expire_acceptances(now: dt.datetime | None = None) -> int:
    """Accepted risks past their date are no longer accepted (the daily job)."""
    today = timezone.localdate(now or timezone.now())
    return RiskAcceptance.objects.filter(state=RiskAcceptance.State.APPROVED, expires_on__lt=today).update(
        state=RiskAcceptance.State.EXPIRED
    )
