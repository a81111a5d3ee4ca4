"""Gate error codes (a request the API cannot answer) and scan reasons (the answer to a scan).

An error is an HTTP 4xx with `{"code", "detail"}`; a refused scan is a normal answer
(`{"admit": false, "reason": "used", …}`), because the gate asked a valid question.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class AccessCode(StrEnum):
    INVALID_REQUEST = "invalid_request"
    UNKNOWN_CREDENTIAL_TYPE = "unknown_credential_type"
    GATE_CLOCK_OFF = "gate_clock_off"
    NOT_A_GATE_DEVICE = "not_a_gate_device"
    DEVICE_INACTIVE = "device_inactive"
    DIRECTION_REQUIRED = "direction_required"
    DIRECTION_NOT_ALLOWED = "direction_not_allowed"
    INVALID_DATE = "invalid_date"
    INVALID_VERSION = "invalid_version"
    UPLOAD_EMPTY = "upload_empty"
    UPLOAD_TOO_LARGE = "upload_too_large"
    BATCH_REUSED = "batch_reused"
    CONSENT_REQUIRED = "consent_required"
    INVALID_ID_NUMBER = "invalid_id_number"
    NO_TICKET_FOR_VISITOR = "no_ticket_for_visitor"
    REASON_REQUIRED = "reason_required"
    NOT_VOIDABLE = "not_voidable"
    ALREADY_CORRECTED = "already_corrected"
    CONFLICT_CLOSED = "conflict_closed"


ACCESS_MESSAGES = {
    AccessCode.INVALID_REQUEST: _("The request is not valid: {reason}."),
    AccessCode.UNKNOWN_CREDENTIAL_TYPE: _("Unknown credential type {type}: use qr, id_card, ssc or face."),
    AccessCode.GATE_CLOCK_OFF: _(
        "The gate's clock is {offset} seconds off the server's (at most {limit} allowed); synchronise it (NTP)."
    ),
    AccessCode.NOT_A_GATE_DEVICE: _("This API key does not belong to an active gate device."),
    AccessCode.DEVICE_INACTIVE: _("The gate device {device} is switched off in the desk."),
    AccessCode.DIRECTION_REQUIRED: _("This lane works both ways: send direction 'in' or 'out'."),
    AccessCode.DIRECTION_NOT_ALLOWED: _("The lane {lane} does not allow the direction {direction}."),
    AccessCode.INVALID_DATE: _("The date must be YYYY-MM-DD, within a week from today."),
    AccessCode.INVALID_VERSION: _("The version must be a whitelist version this server issued."),
    AccessCode.UPLOAD_EMPTY: _("The upload holds no rows."),
    AccessCode.UPLOAD_TOO_LARGE: _("At most {limit} rows per upload; send the rest in another batch."),
    AccessCode.BATCH_REUSED: _("The batch id {batch} was already used with different rows."),
    AccessCode.CONSENT_REQUIRED: _("Binding a face or card needs the visitor's separate consent (consent: true)."),
    AccessCode.INVALID_ID_NUMBER: _("The ID number is not valid."),
    AccessCode.NO_TICKET_FOR_VISITOR: _("This visitor has no valid ticket to bind the credential to."),
    AccessCode.REASON_REQUIRED: _("A correction needs a reason."),
    AccessCode.NOT_VOIDABLE: _("Only a scan that let someone pass (and was counted) can be voided."),
    AccessCode.ALREADY_CORRECTED: _("This scan was already corrected."),
    AccessCode.CONFLICT_CLOSED: _("This conflict was already resolved."),
}

STATUS = {
    AccessCode.NOT_A_GATE_DEVICE: 403,
    AccessCode.DEVICE_INACTIVE: 403,
    AccessCode.BATCH_REUSED: 409,
    AccessCode.ALREADY_CORRECTED: 409,
    AccessCode.CONFLICT_CLOSED: 409,
}


class AccessError(DomainError):
    messages = ACCESS_MESSAGES
    statuses = STATUS


class Reason(StrEnum):
    """Why a gate opened or stayed shut: stable codes a gate's firmware may switch on."""

    ADMITTED = "admitted"
    READMITTED = "readmitted"
    EXITED = "exited"
    USED = "used"
    PASSBACK = "passback"
    NOT_INSIDE = "not_inside"
    NOT_ENTERED = "not_entered"
    REENTRY_LIMIT = "reentry_limit"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    WRONG_DATE = "wrong_date"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    NOT_PAID = "not_paid"
    WRONG_ENTRANCE = "wrong_entrance"
    CLOSED_DAY = "closed_day"
    UNKNOWN = "unknown"
    FORGED = "forged"
    MALFORMED = "malformed"
    DUPLICATE = "duplicate"
    INVALID_OFFLINE = "invalid_offline"


REASON_MESSAGES = {
    Reason.ADMITTED: _("Welcome."),
    Reason.READMITTED: _("Welcome back (re-entry)."),
    Reason.EXITED: _("Goodbye."),
    Reason.USED: _("Already used at {gate} at {time}."),
    Reason.PASSBACK: _("Already inside: this ticket entered at {gate} at {time} and has not left."),
    Reason.NOT_INSIDE: _("No entry recorded for this ticket, or it has already left."),
    Reason.NOT_ENTERED: _("This ticket has not entered the scenic area yet."),
    Reason.REENTRY_LIMIT: _("No re-entries left for this ticket today."),
    Reason.TOO_EARLY: _("Too early: entry opens at {time}."),
    Reason.TOO_LATE: _("Too late: entry closed at {time}."),
    Reason.WRONG_DATE: _("This ticket is for {date}."),
    Reason.EXPIRED: _("This ticket was for {date} and has expired."),
    Reason.REFUNDED: _("This ticket was refunded."),
    Reason.CANCELLED: _("This ticket was cancelled."),
    Reason.NOT_PAID: _("This ticket was never paid."),
    Reason.WRONG_ENTRANCE: _("This ticket ({product}) is not valid at this gate."),
    Reason.CLOSED_DAY: _("The scenic area is closed today."),
    Reason.UNKNOWN: _("No valid ticket found."),
    Reason.FORGED: _("The code's signature is not valid."),
    Reason.MALFORMED: _("This is not a ticket code."),
    Reason.DUPLICATE: _("Duplicate: the ticket was admitted earlier at {gate} at {time}."),
    Reason.INVALID_OFFLINE: _("Admitted offline although the ticket was not valid ({why})."),
}

REASON_LABELS = {
    Reason.ADMITTED: _("Admitted"),
    Reason.READMITTED: _("Re-entry"),
    Reason.EXITED: _("Exit"),
    Reason.USED: _("Already used"),
    Reason.PASSBACK: _("Anti-passback"),
    Reason.NOT_INSIDE: _("Exit without entry"),
    Reason.NOT_ENTERED: _("Not in the park"),
    Reason.REENTRY_LIMIT: _("No re-entries left"),
    Reason.TOO_EARLY: _("Too early"),
    Reason.TOO_LATE: _("Too late"),
    Reason.WRONG_DATE: _("Another day"),
    Reason.EXPIRED: _("Expired"),
    Reason.REFUNDED: _("Refunded"),
    Reason.CANCELLED: _("Cancelled"),
    Reason.NOT_PAID: _("Not paid"),
    Reason.WRONG_ENTRANCE: _("Wrong entrance"),
    Reason.CLOSED_DAY: _("Closed day"),
    Reason.UNKNOWN: _("Unknown"),
    Reason.FORGED: _("Forged code"),
    Reason.MALFORMED: _("Not a ticket code"),
    Reason.DUPLICATE: _("Offline duplicate"),
    Reason.INVALID_OFFLINE: _("Invalid, let in offline"),
}


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


ADMITTING = frozenset({Reason.ADMITTED, Reason.READMITTED, Reason.EXITED})

_text_cache: dict[tuple[str, str], str] = {}


def reason_text(reason: str, lang: str, **context) -> str:
    """The gate's display text in one language (zh or en), filled with the context."""
    key = (reason, lang)
    template = _text_cache.get(key)
    if template is None:
        with translation.override("zh-hans" if lang == "zh" else "en"):
            template = str(REASON_MESSAGES.get(reason, reason))
        _text_cache[key] = template
    if not context:
        return template
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return template
