"""Error codes of the operations domain: devices, alarms, inspections, repairs, positions, dispatch."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class OpsCode(StrEnum):
    # telemetry
    UNKNOWN_DEVICE = "ops_unknown_device"
    DEVICE_INACTIVE = "ops_device_inactive"
    DEVICE_KEY_MISMATCH = "ops_device_key_mismatch"
    NO_RECORDS = "ops_no_records"
    TOO_MANY_RECORDS = "ops_too_many_records"
    INVALID_RECORD = "ops_invalid_record"
    INVALID_TIMESTAMP = "ops_invalid_timestamp"
    FUTURE_TIMESTAMP = "ops_future_timestamp"
    TIMESTAMP_TOO_OLD = "ops_timestamp_too_old"
    OUT_OF_ORDER = "ops_out_of_order"
    # assets and files
    UNKNOWN_ASSET = "ops_unknown_asset"
    FILE_TOO_LARGE = "ops_file_too_large"
    NOT_AN_IMAGE = "ops_not_an_image"
    # inspections
    UNKNOWN_TASK = "ops_unknown_task"
    NOT_YOUR_TASK = "ops_not_your_task"
    TASK_DONE = "ops_task_done"
    TASK_NOT_STARTED = "ops_task_not_started"
    UNKNOWN_ITEM = "ops_unknown_item"
    ANSWER_MISSING = "ops_answer_missing"
    ANSWER_INVALID = "ops_answer_invalid"
    ANSWER_OUT_OF_RANGE = "ops_answer_out_of_range"
    PHOTO_MISSING = "ops_photo_missing"
    SIGNATURE_MISSING = "ops_signature_missing"
    INVALID_POSITION = "ops_invalid_position"
    INVALID_CLIENT_ID = "ops_invalid_client_id"
    # repairs
    UNKNOWN_TICKET = "ops_unknown_ticket"
    UNKNOWN_ACTION = "ops_unknown_action"
    TITLE_MISSING = "ops_title_missing"
    INVALID_COST = "ops_invalid_cost"
    # positions and dispatch
    UNKNOWN_TRACKER = "ops_unknown_tracker"
    NO_LOCATION = "ops_no_location"
    UNKNOWN_CALL = "ops_unknown_call"
    CALL_NOT_YOURS = "ops_call_not_yours"
    CALL_CLOSED = "ops_call_closed"
    NOT_CREW = "ops_not_crew"
    # alarms
    ALARM_CLEARED = "ops_alarm_cleared"


MESSAGES = {
    OpsCode.UNKNOWN_DEVICE: _("There is no device with the code {device}."),
    OpsCode.DEVICE_INACTIVE: _("The device {device} is switched off in the desk."),
    OpsCode.DEVICE_KEY_MISMATCH: _("This API key does not belong to the device {device}."),
    OpsCode.NO_RECORDS: _("The message holds no records."),
    OpsCode.TOO_MANY_RECORDS: _("At most {limit} records per message."),
    OpsCode.INVALID_RECORD: _("Record {index}: {reason}"),
    OpsCode.INVALID_TIMESTAMP: _(
        "Record {index}: “at” must be an ISO 8601 time with its UTC offset, e.g. 2026-05-01T09:30:00+08:00."
    ),
    OpsCode.FUTURE_TIMESTAMP: _("Record {index}: {at} lies in the future; check the device's clock."),
    OpsCode.TIMESTAMP_TOO_OLD: _("Record {index}: {at} is older than {days} days; such records are not accepted."),
    OpsCode.OUT_OF_ORDER: _(
        "Record {index}: {at} is older than the device's newest accepted record ({newest}); send records in time order."
    ),
    OpsCode.UNKNOWN_ASSET: _("There is no asset {asset}."),
    OpsCode.FILE_TOO_LARGE: _("{name} is {size_mb} MB; at most {limit_mb} MB is accepted."),
    OpsCode.NOT_AN_IMAGE: _("{name} is not a JPEG, PNG or WebP picture."),
    OpsCode.UNKNOWN_TASK: _("There is no inspection task {task}."),
    OpsCode.NOT_YOUR_TASK: _("This inspection task is assigned to someone else."),
    OpsCode.TASK_DONE: _("This inspection was already completed at {at}."),
    OpsCode.TASK_NOT_STARTED: _("This inspection is planned for {day}; it cannot be filled in yet."),
    OpsCode.UNKNOWN_ITEM: _("The checklist has no item {item} at this point."),
    OpsCode.ANSWER_MISSING: _("“{item}” needs an answer."),
    OpsCode.ANSWER_INVALID: _("“{item}”: {reason}"),
    OpsCode.ANSWER_OUT_OF_RANGE: _("“{item}”: {value} is outside the allowed range {low} to {high}."),
    OpsCode.PHOTO_MISSING: _("“{item}” needs a photo."),
    OpsCode.SIGNATURE_MISSING: _("“{item}” needs a signature."),
    OpsCode.INVALID_POSITION: _("The position is not valid: {reason}."),
    OpsCode.INVALID_CLIENT_ID: _("The client id must be 8 to 64 letters, digits or dashes."),
    OpsCode.UNKNOWN_TICKET: _("There is no repair ticket {ticket}."),
    OpsCode.UNKNOWN_ACTION: _("Unknown repair action {action}; use start, pause, resume or finish."),
    OpsCode.TITLE_MISSING: _("Describe the problem in a few words."),
    OpsCode.INVALID_COST: _("{field} must be an amount in yuan between 0 and 10,000,000."),
    OpsCode.UNKNOWN_TRACKER: _("There is no tracker with the code {tracker}."),
    OpsCode.NO_LOCATION: _("{subject} has no location on the map."),
    OpsCode.UNKNOWN_CALL: _("There is no dispatch call {call}."),
    OpsCode.CALL_NOT_YOURS: _("This dispatch call went to someone else."),
    OpsCode.CALL_CLOSED: _("This dispatch call is already {state}."),
    OpsCode.NOT_CREW: _("{user} is not an active crew member."),
    OpsCode.ALARM_CLEARED: _("This alarm was already cleared."),
}

STATUS = {
    OpsCode.UNKNOWN_DEVICE: 404,
    OpsCode.DEVICE_INACTIVE: 403,
    OpsCode.DEVICE_KEY_MISMATCH: 403,
    OpsCode.OUT_OF_ORDER: 409,
    OpsCode.UNKNOWN_ASSET: 404,
    OpsCode.FILE_TOO_LARGE: 413,
    OpsCode.UNKNOWN_TASK: 404,
    OpsCode.NOT_YOUR_TASK: 403,
    OpsCode.TASK_DONE: 409,
    OpsCode.UNKNOWN_TICKET: 404,
    OpsCode.UNKNOWN_TRACKER: 404,
    OpsCode.UNKNOWN_CALL: 404,
    OpsCode.CALL_NOT_YOURS: 403,
    OpsCode.CALL_CLOSED: 409,
    OpsCode.ALARM_CLEARED: 409,
}


class OpsError(DomainError):
    messages = MESSAGES
    statuses = STATUS
