"""Personal-data requests (PIPL): who asked for whose data, why, and what was handed over."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataRequest(models.Model):
    """One access request (查阅、复制) answered by an export: the log, never the data itself."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export of a person's data")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EXPORT)
    subject_phone = models.CharField(_("phone"), max_length=20, blank=True)  # masked
    subject_id = models.CharField(_("ID number"), max_length=40, blank=True)  # masked
    reason = models.CharField(_("reason"), max_length=200)
    sections = models.PositiveSmallIntegerField(_("sections"), default=0)
    rows = models.PositiveIntegerField(_("records"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal-data request")
        verbose_name_plural = _("personal-data requests")
        ordering = ["-created_at"]
        permissions = [("export_person_data", "Can export one person's data")]

    def __str__(self) -> str:
        return f"{self.subject_phone or self.subject_id} {self.created_at:%Y-%m-%d}"


class PersonalDataExport(DataRequest):
    """The desk page that answers an access request (a page, no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("export a person's data")
        verbose_name_plural = _("export a person's data")


class DataClass(models.TextChoices):
    COMPLAINT_CONTACT = "complaint_contact", _("Complaint senders' names and phones")
    SHOP_CONTACT = "shop_contact", _("Shop buyers' names, phones and addresses on orders")


class RetentionPolicy(models.Model):
    """How long one class of personal data is kept before the purge job removes it."""

    data_class = models.CharField(_("data class"), max_length=20, choices=DataClass.choices, unique=True)
    keep_days = models.PositiveIntegerField(_("keep (days)"))
    active = models.BooleanField(_("purge"), default=True)
    note = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        ordering = ["data_class"]

    def __str__(self) -> str:
        return self.get_data_class_display()


class DestructionLog(models.Model):
    """One purge of one data class: what was older than the cut-off and how many records each domain cleared."""

    data_class = models.CharField(_("data class"), max_length=20, choices=DataClass.choices)
    cutoff = models.DateTimeField(_("older than"))
    counts = models.JSONField(_("records cleared"), default=dict)
    total = models.PositiveIntegerField(_("total"), default=0)
    run_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("destruction log")
        verbose_name_plural = _("destruction log")
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.get_data_class_display()} {self.run_at:%Y-%m-%d}"
