"""Error codes of the service domain (complaints, opinion, incidents, dispatch), with zh/en messages."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class ServiceCode(StrEnum):
    TEXT_MISSING = "complaint_text_missing"
    TEXT_TOO_LONG = "complaint_text_too_long"
    SUBJECT_TOO_LONG = "complaint_subject_too_long"
    CONTACT_MISSING = "complaint_contact_missing"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    INVALID_CHOICE = "invalid_choice"
    UNKNOWN_ZONE = "unknown_zone"
    PHOTO_INVALID = "photo_invalid"
    TOO_MANY_PHOTOS = "too_many_photos"
    LOOKUP_FAILED = "complaint_lookup_failed"
    RATING_INVALID = "rating_invalid"
    NOT_REPLIED = "complaint_not_replied"
    ALREADY_RATED = "complaint_already_rated"
    MENTION_INVALID = "mention_invalid"
    IMPORT_FILE_INVALID = "import_file_invalid"
    UNKNOWN_INCIDENT_TYPE = "unknown_incident_type"
    INVALID_LEVEL = "invalid_level"
    INVALID_LOCATION = "invalid_location"
    INVALID_TRIGGER = "invalid_trigger"
    INCIDENT_CLOSED = "incident_closed"
    NOT_YOUR_TASK = "incident_task_not_yours"
    TASK_DONE = "incident_task_done"
    REPORT_MISSING = "incident_report_missing"
    POOL_EXHAUSTED = "pool_exhausted"
    STOCK_SHORT = "stock_short"
    INVALID_QUANTITY = "invalid_quantity"
    UNKNOWN_METER = "unknown_meter"
    READING_INVALID = "reading_invalid"
    RATE_LIMITED = "service_rate_limited"


MESSAGES = {
    ServiceCode.TEXT_MISSING: _("Please describe what happened."),
    ServiceCode.TEXT_TOO_LONG: _("The description is too long: at most {limit} characters (you sent {length})."),
    ServiceCode.SUBJECT_TOO_LONG: _("The subject is too long: at most {limit} characters."),
    ServiceCode.CONTACT_MISSING: _("Please give a mobile number so that we can reply and you can follow it up."),
    ServiceCode.INVALID_PHONE: _("“{value}” is not a valid mobile number."),
    ServiceCode.INVALID_EMAIL: _("“{value}” is not a valid e-mail address."),
    ServiceCode.INVALID_CHOICE: _("“{value}” is not a valid {field}."),
    ServiceCode.UNKNOWN_ZONE: _("There is no place with the code “{value}”."),
    ServiceCode.PHOTO_INVALID: _("A photo could not be read as an image (JPEG, PNG or WebP, at most 8 MB)."),
    ServiceCode.TOO_MANY_PHOTOS: _("At most {limit} photos."),
    ServiceCode.LOOKUP_FAILED: _("No complaint matches this mobile number and code."),
    ServiceCode.RATING_INVALID: _("Choose a rating from 1 to 5."),
    ServiceCode.NOT_REPLIED: _("You can rate the handling once we have replied."),
    ServiceCode.ALREADY_RATED: _("This reply has already been rated. Thank you."),
    ServiceCode.MENTION_INVALID: _("The mention is not valid: {reason}."),
    ServiceCode.IMPORT_FILE_INVALID: _("The file cannot be read as xlsx or CSV: {reason}."),
    ServiceCode.UNKNOWN_INCIDENT_TYPE: _("“{value}” is not a known incident type. Known types: {known}."),
    ServiceCode.INVALID_LEVEL: _("The level must be 1 (highest) to 4 (lowest)."),
    ServiceCode.INVALID_LOCATION: _("The location is not a valid latitude/longitude."),
    ServiceCode.INVALID_TRIGGER: _("The trigger key must be 1 to 190 visible characters."),
    ServiceCode.INCIDENT_CLOSED: _("The incident {incident} is closed."),
    ServiceCode.NOT_YOUR_TASK: _("This task belongs to the role “{role}”."),
    ServiceCode.TASK_DONE: _("This task is already finished."),
    ServiceCode.REPORT_MISSING: _("Write the closing report before closing the incident."),
    ServiceCode.POOL_EXHAUSTED: _("{pool} has only {free} units free; {needed} are needed."),
    ServiceCode.STOCK_SHORT: _("Only {stock} {unit} of {material} in stock; {needed} are needed."),
    ServiceCode.INVALID_QUANTITY: _("The quantity must be a positive number."),
    ServiceCode.UNKNOWN_METER: _("There is no energy meter with the code “{value}”."),
    ServiceCode.READING_INVALID: _("The reading is not valid: {reason}."),
    ServiceCode.RATE_LIMITED: _("Too many requests from this device; please try again in a few minutes."),
}


class ServiceError(DomainError):
    messages = MESSAGES
