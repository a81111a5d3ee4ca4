"""Inspection rounds: checklist templates, plans with routes, the day's tasks and their results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


def result_upload_to(instance, filename: str) -> str:
    return f"operations/inspections/{instance.task_id}/{filename}"


def _bilingual(zh: str, en: str) -> str:
    return en if en and (get_language() or "").startswith("en") else zh


class ChecklistTemplate(AuditedModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return _bilingual(self.name, self.name_en)


class ChecklistItem(AuditedModel):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        NUMBER = "number", _("Number in a range")
        CHOICE = "choice", _("Choice")
        TEXT = "text", _("Text")
        PHOTO = "photo", _("Photo")
        SIGNATURE = "signature", _("Signature")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("question"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    kind = models.CharField(_("answer type"), max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    required = models.BooleanField(_("required"), default=True)
    expected_yes = models.BooleanField(
        _("passes on “yes”"), default=True, help_text=_("For yes/no: which answer is the good one.")
    )
    min_value = models.DecimalField(
        _("lowest possible"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Answers outside the possible range are refused as typing errors."),
    )
    max_value = models.DecimalField(_("highest possible"), max_digits=12, decimal_places=3, null=True, blank=True)
    pass_min = models.DecimalField(
        _("normal from"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Below this the item fails."),
    )
    pass_max = models.DecimalField(
        _("normal up to"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Above this the item fails."),
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    failing_choices = models.JSONField(_("choices that fail"), default=list, blank=True)
    photo_required = models.BooleanField(
        _("photo required"), default=False, help_text=_("A photo must be attached, e.g. when the item fails.")
    )
    photo_only_on_failure = models.BooleanField(_("photo only needed when it fails"), default=True)
    opens_ticket = models.BooleanField(_("a failure opens a repair ticket"), default=True)
    ticket_priority = models.CharField(_("ticket priority"), max_length=10, default="normal")

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return _bilingual(self.label, self.label_en)


class InspectionPlan(AuditedModel):
    class Frequency(models.TextChoices):
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")
        CRON = "cron", _("Cron expression")

    name = models.CharField(_("name"), max_length=80, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="plans"
    )
    frequency = models.CharField(_("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("For weekly plans: 1 = Monday … 7 = Sunday.")
    )
    cron = models.CharField(
        _("cron expression"),
        max_length=60,
        blank=True,
        help_text=_("For cron plans, e.g. “0 9 1,15 * *”: due on the days it fires."),
    )
    start_time = models.TimeField(_("starts at"), default="08:00")
    duration_minutes = models.PositiveIntegerField(_("to be done within (minutes)"), default=240)
    role = models.CharField(_("done by role"), max_length=40, default="inspector")
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Only members of this department are given the tasks."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("always assign to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate when overdue by (minutes)"), default=120, help_text=_("0: no escalation.")
    )
    active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["start_time", "name"]

    def __str__(self) -> str:
        return _bilingual(self.name, self.name_en)


class RoutePoint(models.Model):
    """A stop of the plan's route, in walking order: an asset or a place."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="points")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=80, blank=True)
    asset = models.ForeignKey(
        "operations.Asset", verbose_name=_("asset"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("place"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("route point")
        verbose_name_plural = _("route")
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.asset_id:
            return self.asset.display_name
        return str(self.zone) if self.zone_id else f"#{self.pk}"


class InspectionTask(AuditedModel):
    """One round of a plan on one day: created once by the daily job."""

    class State(models.TextChoices):
        PENDING = "pending", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        MISSED = "missed", _("Not done")

    audit_ignored = ("updated_at",)

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="tasks")
    day = models.DateField(_("day"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection_tasks",
    )
    department = models.ForeignKey(
        "core.Department", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    starts_at = models.DateTimeField(_("starts"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    failed_items = models.PositiveSmallIntegerField(_("failed items"), default=0)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    submission_id = models.CharField(_("submission id"), max_length=64, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        ordering = ["-day", "starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="ops_inspection_task_once")]
        indexes = [models.Index(fields=["assignee", "day"])]

    def __str__(self) -> str:
        return f"{self.plan} {self.day:%Y-%m-%d}"

    def is_overdue(self, now) -> bool:
        return self.state in (self.State.PENDING, self.State.IN_PROGRESS) and self.due_at < now


class InspectionResult(models.Model):
    """One checklist answer at one route point, with who, when, where and a photo (append-only)."""

    task = models.ForeignKey(InspectionTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="results")
    point = models.ForeignKey(
        RoutePoint, verbose_name=_("route point"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("reply"), max_length=500, blank=True)
    number = models.DecimalField(_("number"), max_digits=12, decimal_places=3, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to=result_upload_to, blank=True, max_length=200)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered (phone time)"))
    received_at = models.DateTimeField(_("received"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["task", "point__position", "item__position", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "point", "item"], name="ops_inspection_result_once")]

    def __str__(self) -> str:
        return f"{self.item}: {self.answer_display}"

    @property
    def answer_display(self) -> str:
        """yes/no answers are stored as codes; shown in the reader's language."""
        if self.answer in ("yes", "no") and self.item.kind == ChecklistItem.Kind.YES_NO:
            return str(_("Yes") if self.answer == "yes" else _("No"))
        return self.answer
