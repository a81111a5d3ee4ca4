"""Visitor-flow error codes: stable codes for devices, gates and the desk."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class FlowCode(StrEnum):
    UNKNOWN_ZONE = "unknown_zone"
    UNKNOWN_DEVICE = "unknown_device"
    DEVICE_INACTIVE = "device_inactive"
    DEVICE_KEY_MISMATCH = "device_key_mismatch"
    INVALID_COUNT = "invalid_count"
    NEGATIVE_COUNT = "negative_count"
    IMPLAUSIBLE_COUNT = "implausible_count"
    INVALID_TIMESTAMP = "invalid_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    READING_TOO_OLD = "reading_too_old"
    INVALID_INTERVAL = "invalid_interval"
    WRONG_READING_KIND = "wrong_reading_kind"
    NO_READINGS = "no_readings"
    TOO_MANY_READINGS = "too_many_readings"
    CONFLICTING_READINGS = "conflicting_readings"
    INVALID_DEDUPE_KEY = "invalid_dedupe_key"
    NOT_A_CAR_PARK = "not_a_car_park"
    INVALID_CSV = "invalid_csv"
    NOT_ENOUGH_HISTORY = "not_enough_history"


FLOW_MESSAGES = {
    FlowCode.UNKNOWN_ZONE: _("There is no active place with the code {zone}."),
    FlowCode.UNKNOWN_DEVICE: _("There is no counting device with the code {device}."),
    FlowCode.DEVICE_INACTIVE: _("The counting device {device} is switched off in the desk."),
    FlowCode.DEVICE_KEY_MISMATCH: _("This API key does not belong to the device {device}."),
    FlowCode.INVALID_COUNT: _("{field} must be a whole number."),
    FlowCode.NEGATIVE_COUNT: _("{field} must not be negative."),
    FlowCode.IMPLAUSIBLE_COUNT: _("{field} is implausibly large (at most {limit})."),
    FlowCode.INVALID_TIMESTAMP: _(
        "{field} must be an ISO 8601 time with its UTC offset, e.g. 2026-05-01T09:30:00+08:00."
    ),
    FlowCode.FUTURE_TIMESTAMP: _("{field} lies in the future ({at}); check the device's clock."),
    FlowCode.READING_TOO_OLD: _("{field} is older than {hours} hours; such readings are no longer accepted."),
    FlowCode.INVALID_INTERVAL: _("The interval must last 1 to 3600 seconds."),
    FlowCode.WRONG_READING_KIND: _("A {kind} device cannot send {field}."),
    FlowCode.NO_READINGS: _("The push holds no readings."),
    FlowCode.TOO_MANY_READINGS: _("At most {limit} readings per push."),
    FlowCode.CONFLICTING_READINGS: _("The push holds the same interval twice with different figures."),
    FlowCode.INVALID_DEDUPE_KEY: _("The de-duplication key must be 1 to 190 characters."),
    FlowCode.NOT_A_CAR_PARK: _("{zone} is not a car park."),
    FlowCode.INVALID_CSV: _("The CSV file is not usable: {reason}"),
    FlowCode.NOT_ENOUGH_HISTORY: _("At least {days} days of history are needed; there are {have}."),
}

STATUS = {
    FlowCode.UNKNOWN_DEVICE: 404,
    FlowCode.DEVICE_INACTIVE: 403,
    FlowCode.DEVICE_KEY_MISMATCH: 403,
}


class FlowError(DomainError):
    messages = FLOW_MESSAGES
    statuses = STATUS
