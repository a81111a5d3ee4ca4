from .assets import Asset, AssetCategory, AssetDocument, Certificate
from .desk import InspectionCompliance, LiveMap
from .inspections import ChecklistItem, ChecklistTemplate, InspectionPlan, InspectionResult, InspectionTask, RoutePoint
from .positions import DispatchCall, ParkMap, PositionFix, Tracker
from .repairs import Priority, RepairPart, RepairPhoto, RepairTicket, RepairWorkLog
from .telemetry import Alarm, AlarmRule, Device, Severity, TelemetryRecord

__all__ = [
    "Alarm",
    "AlarmRule",
    "Asset",
    "AssetCategory",
    "AssetDocument",
    "Certificate",
    "ChecklistItem",
    "ChecklistTemplate",
    "Device",
    "DispatchCall",
    "InspectionCompliance",
    "InspectionPlan",
    "InspectionResult",
    "InspectionTask",
    "LiveMap",
    "ParkMap",
    "PositionFix",
    "Priority",
    "RepairPart",
    "RepairPhoto",
    "RepairTicket",
    "RepairWorkLog",
    "RoutePoint",
    "Severity",
    "TelemetryRecord",
    "Tracker",
]
