from .common import MessageTemplate, ServiceAlert
from .complaints import Complaint, ComplaintCategory, ComplaintPhoto, ComplaintReply
from .desk import CommandPost, ComplaintAnalytics, DispatchBoard, EnergyBoard, OpinionDashboard
from .dispatch import DispatchOrder, EnergyDay, EnergyMeter, Material, MeterReading, ResourcePool, StockMovement
from .incidents import (
    EmergencyPlan,
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentTask,
    IncidentType,
    Level,
    PlanContact,
    PlanStep,
)
from .opinion import ImportBatch, Mention, Sentiment, SpikeRule

__all__ = [
    "CommandPost",
    "Complaint",
    "ComplaintAnalytics",
    "ComplaintCategory",
    "ComplaintPhoto",
    "ComplaintReply",
    "DispatchBoard",
    "DispatchOrder",
    "EmergencyPlan",
    "EnergyBoard",
    "EnergyDay",
    "EnergyMeter",
    "ImportBatch",
    "Incident",
    "IncidentEvent",
    "IncidentNotice",
    "IncidentTask",
    "IncidentType",
    "Level",
    "Material",
    "Mention",
    "MessageTemplate",
    "MeterReading",
    "OpinionDashboard",
    "PlanContact",
    "PlanStep",
    "ResourcePool",
    "Sentiment",
    "ServiceAlert",
    "SpikeRule",
    "StockMovement",
]
