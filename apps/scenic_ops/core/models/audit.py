"""The audit trail: an append-only log of who changed what, and of security events."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("State change")
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Locked out")
        PERMISSION_DENIED = "permission_denied", _("Permission denied")
        PII_REVEAL = "pii_reveal", _("Personal data shown")
        ACTION = "action", _("Action")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # No database constraint: the hot paths write their audit row inside their own statement, and
        # a constraint check there costs every booking a lookup and a lock on the parent row. Django
        # still sets the actor to NULL when a user is deleted (`actor_name` keeps who it was).
        db_constraint=False,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("document type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # enforced by Django; no database constraint, as for `actor`
        db_constraint=False,
    )
    object_id = models.CharField(_("document id"), max_length=64, blank=True)
    object_repr = models.CharField(_("document"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        permissions = [("reveal_pii", _("Can see unmasked personal data"))]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        raise PermissionError("audit events cannot be deleted one by one; retention purges them")


class AuditedModel(models.Model):
    """A business document: every create, change and delete lands in the audit trail.

    The values loaded from the database are remembered, so a save records exactly which
    fields changed from what to what. Fields in `audit_masked` are recorded as changed
    without their values (secrets, personal data); `audit_ignored` are not recorded.
    """

    audit_ignored: ClassVar[tuple[str, ...]] = ("updated_at",)
    audit_masked: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = dict(zip(field_names, values, strict=False))
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        from scenic_ops.core import audit

        creating = self._state.adding
        super().save(*args, **kwargs)
        audit.record_save(self, creating=creating)

    def delete(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        from scenic_ops.core import audit

        audit.record_delete(self)
        return super().delete(*args, **kwargs)
