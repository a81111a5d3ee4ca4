"""Governance error codes, with zh/en messages."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class Code(StrEnum):
    BUDGET_LINE_UNKNOWN = "budget_line_unknown"
    BUDGET_LINE_AMBIGUOUS = "budget_line_ambiguous"
    BUDGET_EXCEEDED = "budget_exceeded"
    BUDGET_LINE_EXISTS = "budget_line_exists"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_DISTRIBUTION = "invalid_distribution"
    UNKNOWN_SESSION = "unknown_session"
    SIGN_IN_CLOSED = "sign_in_closed"
    INVALID_RESULT = "invalid_result"
    NOT_AUDITOR = "not_auditor"
    OWN_REVIEW = "own_review"
    ALREADY_SIGNED_OFF = "already_signed_off"
    REVIEW_NOT_DONE = "review_not_done"
    NOT_ALLOWED = "not_allowed"
    NO_SUBJECT = "no_subject"
    BAD_SUBJECT = "bad_subject"
    REASON_REQUIRED = "reason_required"
    OWN_ACCEPTANCE = "own_acceptance"
    ACCEPTANCE_DECIDED = "acceptance_decided"
    ACCEPTANCE_IN_THE_PAST = "acceptance_in_the_past"


MESSAGES = {
    Code.BUDGET_LINE_UNKNOWN: _(
        "No approved {year} budget of {department} for {category}: the approval of {document} is refused."
    ),
    Code.BUDGET_LINE_AMBIGUOUS: _(
        "More than one approved {year} budget of {department} for {category}: a finance officer must merge them."
    ),
    Code.BUDGET_EXCEEDED: _(
        "{document} ({amount} CNY) exceeds the budget “{budget}”: {remaining} CNY left. The line's rule is Stop."
    ),
    Code.BUDGET_LINE_EXISTS: _("There is already a {year} budget of this department for this category."),
    Code.INVALID_AMOUNT: _("Amounts must be zero or more."),
    Code.INVALID_DISTRIBUTION: _("The monthly distribution is twelve shares in per cent that add up to 100."),
    Code.UNKNOWN_SESSION: _("This sign-in code belongs to no training session."),
    Code.SIGN_IN_CLOSED: _("Sign-in is open from an hour before the class ({starts}) until it ends ({ends})."),
    Code.INVALID_RESULT: _("The result is one of: not yet assessed, passed, failed, absent."),
    Code.NOT_AUDITOR: _("Only a security auditor (安全审计员) signs off a security review."),
    Code.OWN_REVIEW: _("You ran this review: another security auditor must sign it off."),
    Code.ALREADY_SIGNED_OFF: _("This review is already signed off."),
    Code.REVIEW_NOT_DONE: _(
        "{count} item(s) are still open, first: {first}. Check every control and close every finding first."
    ),
}

STATUS = {
    Code.BUDGET_EXCEEDED: 409,
    Code.BUDGET_LINE_UNKNOWN: 409,
    Code.BUDGET_LINE_AMBIGUOUS: 409,
    Code.UNKNOWN_SESSION: 404,
    Code.SIGN_IN_CLOSED: 409,
    Code.NOT_AUDITOR: 403,
    Code.OWN_REVIEW: 403,
    Code.ALREADY_SIGNED_OFF: 409,
    Code.REVIEW_NOT_DONE: 409,
    Code.NOT_ALLOWED: 403,
    Code.OWN_ACCEPTANCE: 403,
    Code.ACCEPTANCE_DECIDED: 409,
}


class GovernanceError(DomainError):
    messages = MESSAGES
    statuses = STATUS
