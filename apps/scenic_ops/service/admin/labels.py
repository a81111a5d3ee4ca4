"""Desk labels the service models leave to Django, which would show them in English or with
another word's meaning: set here for every list, form and page of the desk.

Django deconstructs a field with the verbose_name it was declared with, so these labels change
no migration.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scenic_ops.service.models import (
    CommandPost,
    Complaint,
    ComplaintAnalytics,
    ComplaintPhoto,
    ComplaintReply,
    DispatchBoard,
    DispatchOrder,
    EmergencyPlan,
    EnergyMeter,
    Incident,
    IncidentEvent,
    IncidentNotice,
    IncidentTask,
    Material,
    MessageTemplate,
    MeterReading,
    PlanContact,
    PlanStep,
    ResourcePool,
    SpikeRule,
)

UPDATED = (
    MessageTemplate,
    Complaint,
    ResourcePool,
    Material,
    DispatchOrder,
    EnergyMeter,
    EmergencyPlan,
    Incident,
    SpikeRule,
    ComplaintAnalytics,
    CommandPost,
    DispatchBoard,
)

FIELD_LABELS = {
    # The visitor's ticket order the complaint is about (订单), not a position in a list (排序).
    Complaint: {"order_ref": pgettext_lazy("sales", "order")},
    ComplaintAnalytics: {"order_ref": pgettext_lazy("sales", "order")},
    ComplaintPhoto: {"complaint": _("complaint")},
    ComplaintReply: {"complaint": _("complaint")},
    MeterReading: {"meter": _("energy meter")},
    PlanStep: {"plan": _("emergency plan")},
    PlanContact: {"plan": _("emergency plan")},
    IncidentTask: {
        "incident": _("incident"),
        "step": _("plan step"),
        "acknowledged_by": _("acknowledged by"),
        "done_by": _("done by"),
    },
    IncidentNotice: {"incident": _("incident"), "contact": _("plan contact"), "outbox": _("outbox message")},
    IncidentEvent: {"incident": _("incident"), "by": _("by")},
}

for model in UPDATED:
    FIELD_LABELS.setdefault(model, {})["updated_at"] = _("updated")

for model, labels in FIELD_LABELS.items():
    for name, label in labels.items():
        model._meta.get_field(name).verbose_name = label
