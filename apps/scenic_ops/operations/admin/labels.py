"""Desk labels the operations models leave to Django, which would show them in English: set here
for every list, form and page of the desk.

Django deconstructs a field with the verbose_name it was declared with, so these labels change
no migration.
"""

from django.utils.translation import gettext_lazy as _

from scenic_ops.operations.models import (
    Alarm,
    AlarmRule,
    Asset,
    AssetCategory,
    Certificate,
    ChecklistItem,
    ChecklistTemplate,
    Device,
    InspectionCompliance,
    InspectionPlan,
    InspectionTask,
    LiveMap,
    ParkMap,
    RepairPart,
    RepairPhoto,
    RepairTicket,
    RepairWorkLog,
    RoutePoint,
    Tracker,
)

POSITION = {
    "last_latitude": _("last latitude"),
    "last_longitude": _("last longitude"),
    "last_accuracy_m": _("last accuracy (m)"),
}

FIELD_LABELS = {
    Tracker: dict(POSITION),
    LiveMap: dict(POSITION),
    ChecklistItem: {"template": _("checklist template")},
    RoutePoint: {"plan": _("inspection plan")},
    RepairPhoto: {"ticket": _("repair ticket")},
    RepairPart: {"ticket": _("repair ticket")},
    RepairWorkLog: {"ticket": _("repair ticket")},
}

for model in (
    AssetCategory,
    Asset,
    Certificate,
    ChecklistTemplate,
    InspectionPlan,
    InspectionTask,
    Tracker,
    ParkMap,
    LiveMap,
    InspectionCompliance,
    RepairTicket,
    Device,
    AlarmRule,
    Alarm,
):
    FIELD_LABELS.setdefault(model, {})["updated_at"] = _("updated")

for model, labels in FIELD_LABELS.items():
    for name, label in labels.items():
        model._meta.get_field(name).verbose_name = label
