"""Scheduled jobs as the desk sees them: their schedule, every run, and alerts about them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobSchedule(models.Model):
    """A job of the registry (each domain's jobs.py), mirrored for the desk and the watchdog."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    schedule = models.CharField(_("schedule"), max_length=60)
    timeout_seconds = models.PositiveIntegerField(_("timeout (s)"), default=300)
    enabled = models.BooleanField(_("enabled"), default=True)
    first_seen_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]
        permissions = [("run_job", _("Can run a job now"))]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCESS = "success", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Run now")

    name = models.CharField(_("job"), max_length=100, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rq_job_id = models.CharField(_("RQ job id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SystemAlert(models.Model):
    """A platform problem someone must look at: a late, stuck or failing job, a dead letter."""

    class Kind(models.TextChoices):
        JOB_LATE = "job_late", _("Job late")
        JOB_STUCK = "job_stuck", _("Job stuck")
        JOB_FAILING = "job_failing", _("Job failing")
        DEAD_LETTER = "dead_letter", _("Dead letter")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=120)
    message = models.CharField(_("message"), max_length=500)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    open_key = models.CharField(max_length=160, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("system alert")
        verbose_name_plural = _("system alerts")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"
