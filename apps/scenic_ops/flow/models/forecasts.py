"""Forecasts as issued (kept, to compare with what happened) and the warnings drawn from them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Forecast(models.Model):
    day = models.DateField(_("day"))
    issued_on = models.DateField(_("issued on"))
    horizon = models.PositiveSmallIntegerField(_("days ahead"))
    predicted = models.PositiveIntegerField(_("forecast visitors"))
    high = models.PositiveIntegerField(_("high (90th percentile)"))
    booked = models.PositiveIntegerField(_("booked when issued"), default=0)
    model = models.CharField(pgettext_lazy("forecast", "model"), max_length=40)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        ordering = ["-issued_on", "day"]
        constraints = [models.UniqueConstraint(fields=["day", "issued_on"], name="flow_forecast_unique")]

    def __str__(self) -> str:
        return f"{self.day} ({self.issued_on}): {self.predicted}"


class ForecastWarning(models.Model):
    """A day whose forecast exceeds the warning share of capacity: act days ahead."""

    day = models.DateField(_("day"), unique=True)
    predicted = models.PositiveIntegerField(_("forecast visitors"))
    capacity = models.PositiveIntegerField(_("capacity open for sale"))
    load_percent = models.DecimalField(_("forecast load (%)"), max_digits=6, decimal_places=1)
    suggestion = models.TextField(_("suggested measures"))
    active = models.BooleanField(_("active"), default=True)
    raised_at = models.DateTimeField(_("raised"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("forecast warning")
        verbose_name_plural = _("forecast warnings")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.load_percent} %"
