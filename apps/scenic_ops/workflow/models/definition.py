"""Workflows as data: states and transitions of one document type, edited in the desk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


def bilingual(zh: str, en: str) -> str:
    return en if en and (get_language() or "").startswith("en") else zh


class Colour(models.TextChoices):
    GREY = "grey", _("Grey")
    BLUE = "blue", _("Blue")
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")
    PURPLE = "purple", _("Purple")


# Colour → (CSS colour, Unfold label variant)
COLOURS = {
    "grey": ("#6b7280", "info"),
    "blue": ("#2563eb", "info"),
    "green": ("#059669", "success"),
    "amber": ("#d97706", "warning"),
    "red": ("#dc2626", "danger"),
    "purple": ("#7c3aed", "info"),
}


class Workflow(AuditedModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    document_type = models.CharField(
        _("document type"), max_length=80, db_index=True, help_text=_("The kind of document this workflow moves.")
    )
    state_field = models.CharField(
        _("state field"), max_length=40, default="state", help_text=_("The document's field that holds its state.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("New documents of the type follow the one active workflow.")
    )
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        ordering = ["document_type", "name"]
        permissions = [("force_state", _("Can move a document to any state (administrator)"))]

    def __str__(self) -> str:
        return self.name

    def state_map(self) -> dict[str, WorkflowState]:
        cache = getattr(self, "_state_cache", None)
        if cache is None:
            cache = {s.code: s for s in self.states.all()}
            self._state_cache = cache
        return cache

    def transition_list(self) -> list[WorkflowTransition]:
        cache = getattr(self, "_transition_cache", None)
        if cache is None:
            cache = list(self.transitions.prefetch_related("allowed_users").order_by("position", "id"))
            self._transition_cache = cache
        return cache

    def initial_state(self) -> WorkflowState | None:
        return next((s for s in self.state_map().values() if s.is_initial), None)

    def label_of(self, code: str) -> str:
        """The state's label in the reader's language."""
        state = self.state_map().get(code)
        return state.display_label if state else code

    def stored_label(self, code: str) -> str:
        """The state's label as history keeps it (the workflow's own wording)."""
        state = self.state_map().get(code)
        return state.label if state else code


class WorkflowState(AuditedModel):
    workflow = models.ForeignKey(Workflow, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="states")
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stored on the document; letters, digits, _ and -."))
    label = models.CharField(_("label (Chinese)"), max_length=40)
    label_en = models.CharField(_("label (English)"), max_length=60, blank=True)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices, default=Colour.GREY)
    edit_roles = models.JSONField(
        _("roles that may edit"), default=list, blank=True, help_text=_("Who may change the document in this state.")
    )
    requester_may_edit = models.BooleanField(_("requester may edit"), default=False)
    is_initial = models.BooleanField(_("initial"), default=False)
    is_final = models.BooleanField(_("final"), default=False)
    pauses_sla = models.BooleanField(_("pauses the SLA clock"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("workflow state")
        verbose_name_plural = _("workflow states")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["workflow", "code"], name="workflow_state_code_unique")]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return bilingual(self.label, self.label_en)

    @property
    def css_colour(self) -> str:
        return COLOURS.get(self.colour, COLOURS["grey"])[0]


class ApprovalMode(models.TextChoices):
    ANY = "any", _("Any one approver")
    ALL = "all", _("All approvers (each role, user or dynamic approver)")
    QUORUM = "quorum", _("A quorum: any K of them")


class WorkflowTransition(AuditedModel):
    """An action that moves a document from one state to another, and who may take it."""

    workflow = models.ForeignKey(
        Workflow, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.SlugField(_("from state"), max_length=40)
    action = models.SlugField(
        _("action"), max_length=40, help_text=_("A short code such as approve, reject, submit; shown by its label.")
    )
    label = models.CharField(_("button label (Chinese)"), max_length=40)
    label_en = models.CharField(_("button label (English)"), max_length=60, blank=True)
    to_state = models.SlugField(_("to state"), max_length=40)
    condition = models.TextField(
        _("condition"),
        blank=True,
        help_text=_('Optional, over the document\'s fields, e.g. estimated_cost > 5000 and priority == "urgent".'),
    )
    # Who may take it: any of these.
    allowed_roles = models.JSONField(_("roles"), default=list, blank=True)
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("named users"), blank=True, related_name="+"
    )
    approver_departments = models.JSONField(
        _("heads of departments"), default=list, blank=True, help_text=_("Department codes whose heads may act.")
    )
    requester = models.BooleanField(_("the requester"), default=False)
    requester_manager = models.BooleanField(_("the requester's manager"), default=False)
    department_head = models.BooleanField(_("head of the document's department"), default=False)
    assignee = models.BooleanField(_("the assignee"), default=False)
    approver_field = models.CharField(
        _("user field of the document"), max_length=40, blank=True, help_text=_("e.g. reviewer: that user may act.")
    )
    approval_mode = models.CharField(
        _("approval"), max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.ANY
    )
    quorum = models.PositiveSmallIntegerField(_("quorum (K)"), default=1)
    allow_self_approval = models.BooleanField(
        _("requester may take it on their own document"),
        default=True,
        help_text=_("Turn off for approvals: the person who raised the document cannot approve it."),
    )
    comment_required = models.BooleanField(_("comment required"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("workflow transition")
        verbose_name_plural = _("workflow transitions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} —{self.display_label}→ {self.to_state}"

    @property
    def display_label(self) -> str:
        return bilingual(self.label, self.label_en) or self.action

    def has_static_approvers(self) -> bool:
        return bool(self.allowed_roles or self.approver_departments or (self.pk and self.allowed_users.exists()))

    def has_dynamic_approvers(self) -> bool:
        return bool(
            self.requester or self.requester_manager or self.department_head or self.assignee or self.approver_field
        )
