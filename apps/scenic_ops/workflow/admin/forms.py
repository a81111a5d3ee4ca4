"""Desk forms for workflows and rules: every condition and template is checked when saved."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.forms import PaginationInlineFormSet as BaseInlineFormSet
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from scenic_ops.core.models import Department, Role
from scenic_ops.workflow import conditions, definition, registry, templating
from scenic_ops.workflow.models import (
    AssignmentRule,
    Delegation,
    EscalationRule,
    NotificationRule,
    SlaPolicy,
    Webhook,
    Workflow,
    WorkflowState,
    WorkflowTransition,
)
from scenic_ops.workflow.services import notifications, webhooks


def role_choices() -> list[tuple[str, str]]:
    return [(r.code, str(r)) for r in Role.objects.select_related("group").order_by("code")]


def department_choices() -> list[tuple[str, str]]:
    return [(d.code, str(d)) for d in Department.objects.order_by("code")]


def document_type_choices(blank: bool = False) -> list[tuple[str, str]]:
    options = registry.choices()
    return [("", _("— every type —"))] + options if blank else [("", "---------")] + options


class CodeCheckboxes(UnfoldAdminCheckboxSelectMultipleWidget):
    """Checkboxes that wrap in rows (13 roles stacked one per line make a workflow page endless)."""

    template_name = "workflow/widgets/code_checkboxes.html"


class CodeListField(forms.MultipleChoiceField):
    """A JSON list of codes (roles, departments) edited as checkboxes."""

    widget = CodeCheckboxes

    def __init__(self, *args, choices_func=role_choices, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, choices=choices_func, **kwargs)

    def prepare_value(self, value):
        return value or []


def fields_of(document_type: str):
    spec = registry.get(document_type)
    return spec.fields() if spec is not None else None


def check_condition(form: forms.Form, field: str, document_type: str) -> None:
    expression = form.cleaned_data.get(field, "")
    fields = fields_of(document_type)
    if not expression or fields is None:
        return
    try:
        conditions.validate(expression, fields)
    except conditions.ConditionError as exc:
        form.add_error(field, exc.message)


def check_template(form: forms.Form, field: str, document_type: str) -> None:
    text = form.cleaned_data.get(field, "")
    fields = fields_of(document_type)
    if not text or fields is None:
        return
    try:
        templating.validate(text, notifications.message_names(fields))
    except templating.TemplateError as exc:
        form.add_error(field, exc.message)


def workflow_states(document_type: str) -> dict[str, str]:
    return {
        s.code: s.display_label
        for s in WorkflowState.objects.filter(workflow__document_type=document_type).order_by("position")
    }


# --- workflow ---------------------------------------------------------------------


class WorkflowForm(forms.ModelForm):
    document_type = forms.ChoiceField(label=gettext_lazy("document type"), choices=document_type_choices)

    class Meta:
        model = Workflow
        fields = ["name", "document_type", "state_field", "is_active", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].widget = UnfoldAdminSelectWidget(choices=self.fields["document_type"].choices)

    def clean(self):
        data = super().clean()
        key = data.get("document_type")
        spec = registry.get(key) if key else None
        if spec is None:
            return data
        state_field = data.get("state_field") or spec.state_field
        names = {f.name for f in spec.model._meta.concrete_fields}
        if state_field not in names:
            self.add_error(
                "state_field", _("%(model)s has no field “%(field)s”.") % {"model": spec.label, "field": state_field}
            )
        if data.get("is_active"):
            other = Workflow.objects.filter(document_type=key, is_active=True).exclude(pk=self.instance.pk).first()
            if other is not None:
                self.add_error(
                    "is_active",
                    _("“%(other)s” is already the active workflow of %(type)s; deactivate it first.")
                    % {"other": other, "type": spec.label},
                )
        return data


class StateForm(forms.ModelForm):
    edit_roles = CodeListField(label=gettext_lazy("roles that may edit"))

    class Meta:
        model = WorkflowState
        fields = [
            "position",
            "code",
            "label",
            "label_en",
            "colour",
            "is_initial",
            "is_final",
            "requester_may_edit",
            "edit_roles",
            "pauses_sla",
        ]


class TransitionForm(forms.ModelForm):
    allowed_roles = CodeListField(label=gettext_lazy("roles"))
    approver_departments = CodeListField(label=gettext_lazy("heads of departments"), choices_func=department_choices)

    class Meta:
        model = WorkflowTransition
        fields = [
            "position",
            "from_state",
            "action",
            "label",
            "label_en",
            "to_state",
            "condition",
            "allowed_roles",
            "allowed_users",
            "approver_departments",
            "requester",
            "requester_manager",
            "department_head",
            "assignee",
            "approver_field",
            "approval_mode",
            "quorum",
            "allow_self_approval",
            "comment_required",
        ]
        widgets = {"condition": UnfoldAdminTextInputWidget(attrs={"spellcheck": "false"})}

    def has_approvers(self) -> bool:
        data = self.cleaned_data
        return bool(
            data.get("allowed_roles")
            or data.get("allowed_users")
            or data.get("approver_departments")
            or data.get("requester")
            or data.get("requester_manager")
            or data.get("department_head")
            or data.get("assignee")
            or data.get("approver_field")
        )


def _live_forms(formset):
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        yield form


class StateFormSet(BaseInlineFormSet):
    def states(self) -> list[definition.StateSpec]:
        return [
            definition.StateSpec(
                f.cleaned_data["code"], f.cleaned_data.get("is_initial"), f.cleaned_data.get("is_final")
            )
            for f in _live_forms(self)
            if f.cleaned_data.get("code")
        ]


class TransitionFormSet(BaseInlineFormSet):
    """Checks the workflow as a whole (it sees the states formset through `siblings`)."""

    siblings: list = []

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        state_sets = [fs for fs in self.siblings if isinstance(fs, StateFormSet)]
        if not state_sets or not state_sets[0].is_valid():
            return
        states = state_sets[0].states()
        live = list(_live_forms(self))
        specs = [
            definition.TransitionSpec(
                f.cleaned_data["from_state"],
                f.cleaned_data["action"],
                f.cleaned_data["to_state"],
                f.cleaned_data.get("condition", ""),
                f.has_approvers(),
                index,
            )
            for index, f in enumerate(live)
        ]
        spec = registry.get(self.instance.document_type) if self.instance.document_type else None
        fields = spec.fields() if spec is not None else None
        for index, form in enumerate(live):
            approver_field = form.cleaned_data.get("approver_field")
            if approver_field and spec is not None and approver_field not in spec.user_fields():
                form.add_error(
                    "approver_field",
                    _("not a user field of %(type)s (user fields: %(fields)s)")
                    % {"type": spec.label, "fields": ", ".join(spec.user_fields()) or "-"},
                )
            mode, quorum = form.cleaned_data.get("approval_mode"), form.cleaned_data.get("quorum") or 0
            if mode == "quorum" and quorum < 1:
                form.add_error("quorum", _("a quorum needs at least one approval"))
            del index
        general: list[str] = []
        for problem in definition.check(states, specs, fields):
            if problem.transition is not None and problem.field:
                live[problem.transition].add_error(problem.field, problem.message)
            elif problem.transition is not None:
                live[problem.transition].add_error("allowed_roles", problem.message)  # shown by the approvers
            else:
                general.append(problem.message)
        if general:
            raise ValidationError(general)


# --- rules ------------------------------------------------------------------------


class DocumentTypedForm(forms.ModelForm):
    document_type = forms.ChoiceField(label=gettext_lazy("document type"), choices=document_type_choices)
    condition_fields: tuple[str, ...] = ("condition",)
    template_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["document_type"]
        field.widget = UnfoldAdminSelectWidget(choices=field.choices)

    def clean(self):
        data = super().clean()
        key = data.get("document_type") or ""
        for name in self.condition_fields:
            check_condition(self, name, key)
        for name in self.template_fields:
            check_template(self, name, key)
        return data

    def check_state(self, field: str, key: str, required: bool = False) -> None:
        code = self.cleaned_data.get(field)
        if not code:
            if required:
                self.add_error(field, _("choose a state"))
            return
        known = workflow_states(key)
        if known and code not in known:
            self.add_error(
                field,
                _("no workflow of this document type has the state “%(code)s” (states: %(known)s)")
                % {"code": code, "known": ", ".join(known)},
            )

    def check_field(self, field: str, key: str, kinds: tuple[str, ...] | None = None) -> None:
        name = self.cleaned_data.get(field)
        spec = registry.get(key)
        if not name or spec is None:
            return
        info = spec.fields().get(name)
        if info is None or (kinds and info.kind not in kinds):
            choices = [n for n, i in spec.fields().items() if not kinds or i.kind in kinds]
            self.add_error(field, _("choose one of: %(fields)s") % {"fields": ", ".join(choices) or "-"})


class NotificationRuleForm(DocumentTypedForm):
    recipient_roles = CodeListField(label=gettext_lazy("roles"))
    template_fields = ("subject", "subject_en", "message", "message_en")

    class Meta:
        model = NotificationRule
        fields = "__all__"

    def clean(self):
        data = super().clean()
        key = data.get("document_type") or ""
        event = data.get("event")
        if event == "state_entered":
            self.check_state("state", key)
        if event in ("days_before", "days_after"):
            if not data.get("field"):
                self.add_error("field", _("choose the date field"))
            self.check_field("field", key, ("date", "datetime"))
        elif event == "field_changed":
            self.check_field("field", key)
        if data.get("recipient_field"):
            self.check_field("recipient_field", key, ("user",))
        if data.get("wecom") and not data.get("wecom_webhook"):
            self.add_error("wecom_webhook", _("give the WeCom robot's webhook address"))
        if not any(data.get(c) for c in ("in_app", "email", "sms", "wecom")):
            self.add_error(None, _("choose at least one channel"))
        return data


class AssignmentRuleForm(DocumentTypedForm):
    role = forms.ChoiceField(label=gettext_lazy("among users of the role"), choices=role_choices)

    class Meta:
        model = AssignmentRule
        fields = ["name", "document_type", "enabled", "priority", "trigger", "state", "condition", "role", "strategy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].widget = UnfoldAdminSelectWidget(choices=self.fields["role"].choices)

    def clean(self):
        data = super().clean()
        if data.get("trigger") == AssignmentRule.Trigger.STATE:
            self.check_state("state", data.get("document_type") or "", required=True)
        return data


class SlaPolicyForm(DocumentTypedForm):
    class Meta:
        model = SlaPolicy
        fields = "__all__"

    def clean(self):
        data = super().clean()
        start, end = data.get("day_start"), data.get("day_end")
        if start and end and end <= start and not data.get("around_the_clock"):
            self.add_error("day_end", _("the working day must end after it starts"))
        if (data.get("warn_at_percent") or 0) > 100:
            self.add_error("warn_at_percent", _("at most 100"))
        return data


class EscalationRuleForm(DocumentTypedForm):
    to_roles = CodeListField(label=gettext_lazy("roles"))
    condition_fields = ()

    class Meta:
        model = EscalationRule
        fields = "__all__"

    def clean(self):
        data = super().clean()
        self.check_state("state", data.get("document_type") or "", required=True)
        if data.get("after_hours") is not None and data["after_hours"] <= 0:
            self.add_error("after_hours", _("must be more than 0"))
        if not (
            data.get("to_approvers_managers")
            or data.get("to_roles")
            or data.get("to_users")
            or data.get("to_department_head")
        ):
            self.add_error(None, _("say to whom the document is handed"))
        return data


class WebhookForm(forms.ModelForm):
    document_type = forms.ChoiceField(
        label=gettext_lazy("document type"), choices=lambda: document_type_choices(blank=True), required=False
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"),
        required=False,
        widget=CodeCheckboxes,
        choices=lambda: NotificationRule._meta.get_field("event").choices,
    )
    secret = forms.CharField(
        label=gettext_lazy("signing secret"),
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "Stored encrypted; requests carry an HMAC-SHA256 signature. Leave empty to keep the current one."
        ),
    )

    class Meta:
        model = Webhook
        fields = ["name", "document_type", "events", "url", "enabled"]

    def save(self, commit=True):
        hook = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            webhooks.set_secret(hook, self.cleaned_data["secret"])
        if commit:
            hook.save()
        return hook


class DelegationForm(forms.ModelForm):
    document_types = forms.MultipleChoiceField(
        label=gettext_lazy("document types"),
        required=False,
        widget=CodeCheckboxes,
        choices=registry.choices,
        help_text=gettext_lazy("Empty: every document type."),
    )

    class Meta:
        model = Delegation
        fields = ["principal", "delegate", "starts_at", "ends_at", "document_types", "reason"]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("must be after the start"))
        if ends and ends <= timezone.now() and not self.instance.pk:
            self.add_error("ends_at", _("must be in the future"))
        if data.get("principal") and data.get("principal") == data.get("delegate"):
            self.add_error("delegate", _("choose someone else"))
        return data
