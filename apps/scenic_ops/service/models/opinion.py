"""Public opinion: mentions and reviews from social media and OTAs, their sentiment, spike rules, imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class ImportBatch(models.Model):
    """An uploaded xlsx/CSV file of mentions, with a report line for every row that was refused."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="service/imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    default_source = models.CharField(_("source when a row names none"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("already there"), default=0)
    rejected = models.PositiveIntegerField(_("refused"), default=0)
    report = models.JSONField(_("row report"), default=list, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("mention import")
        verbose_name_plural = _("mention imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class Mention(models.Model):
    """A post, article or review about the scenic area."""

    source = models.CharField(_("source"), max_length=40, db_index=True, help_text=_("e.g. ctrip, weibo, douyin."))
    external_id = models.CharField(_("id at the source"), max_length=120, blank=True)
    dedupe_key = models.CharField(max_length=64, unique=True, editable=False)
    published_at = models.DateTimeField(_("published"), db_index=True)
    author = models.CharField(_("author"), max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    rating = models.DecimalField(_("rating (1–5)"), max_digits=3, decimal_places=1, null=True, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    sentiment = models.FloatField(_("sentiment score"), default=0, help_text=_("−1 very negative … +1 very positive."))
    sentiment_label = models.CharField(
        _("sentiment"), max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL, db_index=True
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    complaint = models.ForeignKey(
        "service.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentions",
    )
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ingested_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions and reviews")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["sentiment_label", "published_at"])]

    def __str__(self) -> str:
        return self.title or self.text[:40]


class SpikeRule(AuditedModel):
    """Alert when at least `threshold` negative mentions appear within `window_minutes`."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    source = models.CharField(_("only this source"), max_length=40, blank=True)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=60)
    threshold = models.PositiveIntegerField(_("negative mentions"), default=5)
    min_share_percent = models.PositiveSmallIntegerField(_("and at least this share of all mentions (%)"), default=0)
    notify_roles = models.JSONField(_("roles notified"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("negative-spike rule")
        verbose_name_plural = _("negative-spike rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
