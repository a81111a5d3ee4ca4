from .api import ApiKey, IdempotencyRecord
from .audit import AuditedModel, AuditEvent
from .calendar import CalendarDay
from .jobs import JobRun, JobSchedule, SystemAlert
from .outbox import OutboxMessage, RecordedMessage
from .patches import PatchRun
from .people import Department, Role, User
from .site import SiteProfile, Zone

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditedModel",
    "CalendarDay",
    "Department",
    "IdempotencyRecord",
    "JobRun",
    "JobSchedule",
    "OutboxMessage",
    "PatchRun",
    "RecordedMessage",
    "Role",
    "SiteProfile",
    "SystemAlert",
    "User",
    "Zone",
]
