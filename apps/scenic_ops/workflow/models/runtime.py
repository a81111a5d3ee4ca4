"""A document's life under a workflow: its track, approval entries, delegations, notifications."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel

from .definition import Workflow, bilingual


class SlaStatus(models.TextChoices):
    NONE = "", _("No SLA")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")


class DocumentTrack(models.Model):
    """One per document under a workflow: the state (mirrored for queries), assignee and SLA."""

    content_type = models.ForeignKey(ContentType, verbose_name=_("document type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("document id"), max_length=64)
    document_type = models.CharField(_("document type"), max_length=80, db_index=True)
    title = models.CharField(_("document"), max_length=200, blank=True)
    workflow = models.ForeignKey(
        Workflow, verbose_name=_("workflow"), null=True, on_delete=models.SET_NULL, related_name="tracks"
    )
    state = models.CharField(_("state"), max_length=40, db_index=True)
    round = models.PositiveIntegerField(
        _("round"), default=1, help_text=_("Counts the states entered; approvals count within one round.")
    )
    state_entered_at = models.DateTimeField(_("in this state since"), default=timezone.now)
    is_open = models.BooleanField(_("open"), default=True, db_index=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workflow_assignments",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), blank=True, related_name="workflow_escalations"
    )
    escalations_fired = models.JSONField(default=list, blank=True, editable=False)
    # SLA
    sla_policy = models.ForeignKey(
        "workflow.SlaPolicy", verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL
    )
    priority = models.CharField(_("priority"), max_length=40, blank=True)
    sla_started_at = models.DateTimeField(_("SLA clock started"), null=True, blank=True)
    response_due = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    sla_status = models.CharField(_("SLA"), max_length=10, choices=SlaStatus.choices, blank=True, db_index=True)
    warning_sent = models.BooleanField(default=False, editable=False)
    response_breached = models.BooleanField(_("response breached"), default=False)
    resolution_breached = models.BooleanField(_("resolution breached"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("workflow document")
        verbose_name_plural = _("workflow documents")
        ordering = ["-state_entered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="workflow_track_unique")]
        indexes = [models.Index(fields=["workflow", "state", "is_open"])]
        permissions = [("reassign_documenttrack", _("Can assign documents to someone else"))]

    def __str__(self) -> str:
        return self.title or f"{self.document_type} #{self.object_id}"

    def document(self) -> Any:
        return self.content_type.get_object_for_this_type(pk=self.object_id)

    @property
    def state_label(self) -> str:
        if self.workflow_id is None:
            return self.state
        state = self.workflow.state_map().get(self.state)
        return state.display_label if state else self.state

    @property
    def stored_state_label(self) -> str:
        return self.workflow.stored_label(self.state) if self.workflow_id else self.state

    @property
    def state_removed(self) -> bool:
        return self.workflow_id is not None and self.state not in self.workflow.state_map()


class InboxEntry(DocumentTrack):
    """The approvals inbox, listed in the desk's sidebar (a proxy: same rows)."""

    class Meta:
        proxy = True
        verbose_name = _("approvals inbox")
        verbose_name_plural = _("approvals inbox")


class ApprovalEntry(models.Model):
    """Append-only: who did what to the document, when, from which state to which."""

    class Kind(models.TextChoices):
        START = "start", _("Started")
        TRANSITION = "transition", _("State change")
        VOTE = "vote", _("Approval (waiting for others)")
        FORCE = "force", _("Moved by an administrator")
        ESCALATE = "escalate", _("Escalated")
        ASSIGN = "assign", _("Assigned")
        REASSIGN = "reassign", _("Re-assigned")
        SLA = "sla", _("SLA")

    track = models.ForeignKey(DocumentTrack, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    round = models.PositiveIntegerField(_("round"), default=1)
    transition = models.ForeignKey(
        "workflow.WorkflowTransition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seat = models.CharField(_("approving as"), max_length=80, blank=True)
    action = models.CharField(_("action"), max_length=40, blank=True)
    action_label = models.CharField(_("action"), max_length=60, blank=True)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    from_label = models.CharField(_("from"), max_length=60, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    to_label = models.CharField(_("to"), max_length=60, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_behalf_of_name = models.CharField(_("on behalf of"), max_length=150, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("approval entry")
        verbose_name_plural = _("approval history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["track", "round", "kind"])]

    def __str__(self) -> str:
        return f"{self.actor_display}: {self.action_label or self.get_kind_display()}"

    @property
    def actor_display(self) -> str:
        if self.on_behalf_of_name:
            return _("%(delegate)s for %(principal)s") % {
                "delegate": self.actor_name,
                "principal": self.on_behalf_of_name,
            }
        return self.actor_name or str(_("system"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("approval entries are append-only")
        super().save(*args, **kwargs)


class Delegation(AuditedModel):
    """While away, an approver names a delegate who may act for them."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.CASCADE, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="delegations_held"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    document_types = models.JSONField(
        _("document types"), default=list, blank=True, help_text=_("Empty: every document type.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["delegate", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.principal} → {self.delegate}"

    def covers(self, document_type: str) -> bool:
        return not self.document_types or document_type in self.document_types


class Notification(models.Model):
    """The in-app notification list (the bell), one row per recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    track = models.ForeignKey(DocumentTrack, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    body_en = models.TextField(_("message (English)"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=190, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.display_subject

    @property
    def display_subject(self) -> str:
        return bilingual(self.subject, self.subject_en)

    @property
    def display_body(self) -> str:
        return bilingual(self.body, self.body_en)
