"""Desk pages listed in the sidebar (proxies: no tables of their own)."""

from django.utils.translation import gettext_lazy as _

from .inspections import InspectionTask
from .positions import Tracker


class LiveMap(Tracker):
    """The park map: staff, vehicles and boats, assets with open alarms, today's tracks."""

    class Meta:
        proxy = True
        verbose_name = _("live map")
        verbose_name_plural = _("live map")


class InspectionCompliance(InspectionTask):
    """Inspection compliance by team: done on time, late, overdue, missed."""

    class Meta:
        proxy = True
        verbose_name = _("inspection compliance")
        verbose_name_plural = _("inspection compliance")
