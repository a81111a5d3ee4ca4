"""Safety warnings that are not about crowding: special-equipment alarms, fire, weather."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .levels import LEVEL_CODES, Level


class SafetyWarning(models.Model):
    """One warning per raising source while it is active (e.g. ``operations.alarm:12``)."""

    source = models.CharField(_("source"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.ORANGE)
    reason = models.CharField(_("reason"), max_length=300)
    raised_at = models.DateTimeField(_("raised"))
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    active_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("safety warning")
        verbose_name_plural = _("safety warnings")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.reason

    @property
    def level_code(self) -> str:
        return LEVEL_CODES[self.level]
