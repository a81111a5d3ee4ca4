"""Desk pages listed in the sidebar (proxies: no tables of their own)."""

from django.utils.translation import gettext_lazy as _

from .complaints import Complaint
from .dispatch import DispatchOrder, EnergyDay
from .incidents import Incident
from .opinion import Mention


class ComplaintAnalytics(Complaint):
    class Meta:
        proxy = True
        verbose_name = _("complaint analytics")
        verbose_name_plural = _("complaint analytics")


class OpinionDashboard(Mention):
    class Meta:
        proxy = True
        verbose_name = _("opinion dashboard")
        verbose_name_plural = _("opinion dashboard")


class CommandPost(Incident):
    class Meta:
        proxy = True
        verbose_name = _("incident command")
        verbose_name_plural = _("incident command")


class DispatchBoard(DispatchOrder):
    class Meta:
        proxy = True
        verbose_name = _("dispatch board")
        verbose_name_plural = _("dispatch board")


class EnergyBoard(EnergyDay):
    class Meta:
        proxy = True
        verbose_name = _("energy dashboard")
        verbose_name_plural = _("energy dashboard")
