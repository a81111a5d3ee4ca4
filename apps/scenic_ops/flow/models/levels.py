"""Warning levels (LB/T 068-2017 tiers), their history, and the sales halt they may cause."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Level(models.IntegerChoices):
    NORMAL = 0, _("Normal")
    YELLOW = 1, _("Yellow (level III)")
    ORANGE = 2, _("Orange (level II)")
    RED = 3, _("Red (level I)")


LEVEL_CODES = {0: "normal", 1: "yellow", 2: "orange", 3: "red"}


def _percent(default: int, label):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )


def default_roles() -> list[str]:
    return ["manager", "dispatcher", "security"]


class WarningPolicy(AuditedModel):
    """Thresholds and actions for the whole site (no zone) or one key spot.

    Defaults follow LB/T 068-2017: yellow at 80 %, orange at 90 %, red at 95 % of the
    approved maximum. A level is entered as soon as its threshold is reached and left only
    when the load falls `hysteresis_percent` below it and the level has lasted `min_hold_seconds`.
    """

    class Basis(models.TextChoices):
        BOTH = "both", _("Higher of: in the park ÷ instantaneous, entries today ÷ daily capacity")
        INSTANT = "instant", _("In the park ÷ instantaneous capacity")
        DAILY = "daily", _("Entries today ÷ daily capacity")

    zone = models.OneToOneField(
        "core.Zone",
        verbose_name=_("key spot"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: the whole scenic area. Key spots without their own policy use the site's thresholds."),
    )
    scope_key = models.PositiveIntegerField(unique=True, editable=False, default=0)
    yellow_percent = _percent(80, _("yellow at (%)"))
    orange_percent = _percent(90, _("orange at (%)"))
    red_percent = _percent(95, _("red at (%)"))
    hysteresis_percent = models.PositiveSmallIntegerField(
        _("hysteresis (percentage points)"),
        default=5,
        validators=[MaxValueValidator(50)],
        help_text=_("A level is left only when the load is this far below its threshold."),
    )
    min_hold_seconds = models.PositiveIntegerField(
        _("minimum time in a level (seconds)"), default=120, help_text=_("A level is not left sooner than this.")
    )
    basis = models.CharField(_("load measured as"), max_length=8, choices=Basis.choices, default=Basis.BOTH)
    stop_sales_level = models.PositiveSmallIntegerField(
        _("stop today's sales from"),
        choices=[(0, _("Never")), *Level.choices[1:]],
        default=Level.RED,
        help_text=_(
            "LB/T 034-2014 asks to stop ticket sales at 80 percent of the maximum: choose yellow to follow it."
        ),
    )
    banner_level = models.PositiveSmallIntegerField(
        _("public banner from"), choices=[(0, _("Never")), *Level.choices[1:]], default=Level.YELLOW
    )
    notify_level = models.PositiveSmallIntegerField(
        _("notify staff from"), choices=[(0, _("Never")), *Level.choices[1:]], default=Level.YELLOW
    )
    notify_roles = models.JSONField(_("roles notified"), default=default_roles, blank=True)
    sms_level = models.PositiveSmallIntegerField(
        _("SMS broadcast from"), choices=[(0, _("Never")), *Level.choices[1:]], default=Level.ORANGE
    )
    sms_recipients = models.TextField(
        _("SMS broadcast to"),
        blank=True,
        help_text=_("One mobile number per line: duty officers, the tourism bureau, the broadcast platform."),
    )
    report_level = models.PositiveSmallIntegerField(
        _("report to the provincial platform at once from"),
        choices=[(0, _("Never")), *Level.choices[1:]],
        default=Level.YELLOW,
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("warning policy")
        verbose_name_plural = _("warning policies")
        ordering = ["scope_key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(yellow_percent__lt=models.F("orange_percent"))
                & models.Q(orange_percent__lt=models.F("red_percent")),
                name="flow_policy_thresholds_rise",
            )
        ]

    def __str__(self) -> str:
        return str(self.zone) if self.zone_id else str(_("Whole scenic area"))

    def save(self, *args, **kwargs):
        self.scope_key = self.zone_id or 0
        super().save(*args, **kwargs)

    @property
    def thresholds(self) -> tuple[int, int, int]:
        return (self.yellow_percent, self.orange_percent, self.red_percent)

    def recipients(self) -> list[str]:
        return [line.strip() for line in self.sms_recipients.splitlines() if line.strip()]


class LevelState(models.Model):
    """The current level of the site (scope 0) or a key spot (scope = zone id)."""

    scope_key = models.PositiveIntegerField(unique=True)
    zone = models.ForeignKey("core.Zone", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.NORMAL)
    since = models.DateTimeField(_("since"))
    load_percent = models.DecimalField(_("load (%)"), max_digits=6, decimal_places=1, default=0)
    checked_at = models.DateTimeField(_("checked"))

    class Meta:
        verbose_name = _("current level")
        verbose_name_plural = _("current levels")

    def __str__(self) -> str:
        return f"{self.zone or _('Whole scenic area')}: {self.get_level_display()}"


class LevelChange(models.Model):
    """Every change of level, with its cause and the actions taken (append-only)."""

    scope_key = models.PositiveIntegerField(_("scope"), db_index=True)
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("key spot"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    from_level = models.PositiveSmallIntegerField(_("from"), choices=Level.choices)
    to_level = models.PositiveSmallIntegerField(_("to"), choices=Level.choices)
    load_percent = models.DecimalField(_("load (%)"), max_digits=6, decimal_places=1)
    count = models.IntegerField(_("count"))
    capacity = models.PositiveIntegerField(_("capacity"))
    cause = models.CharField(_("cause"), max_length=300)
    actions = models.JSONField(_("actions taken"), default=list, blank=True)

    class Meta:
        verbose_name = _("level change")
        verbose_name_plural = _("level history")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.zone or _('Whole scenic area')}: {self.get_from_level_display()} → {self.get_to_level_display()}"

    @property
    def rising(self) -> bool:
        return self.to_level > self.from_level


class SalesHalt(AuditedModel):
    """Flow's decision to stop the sale of a day's remaining slots (a warning level, an operator); ticketing
    is told through the `flow.sales_halt_changed` hook and refuses bookings for the day."""

    class Source(models.TextChoices):
        LEVEL = "level", _("Warning level")
        MANUAL = "manual", _("Operator")

    day = models.DateField(_("day"), unique=True)
    halted = models.BooleanField(_("sales stopped"), default=True)
    source = models.CharField(_("stopped by"), max_length=8, choices=Source.choices, default=Source.LEVEL)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    since = models.DateTimeField(_("since"))
    resumed_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    level_change = models.ForeignKey(
        LevelChange, verbose_name=_("caused by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sales halt")
        verbose_name_plural = _("sales halts")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: {_('stopped') if self.halted else _('selling')}"
