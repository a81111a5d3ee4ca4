"""The governance desk: budget lines on their approval workflow, the ledger, the variance report."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from scenic_ops.core.admin_base import DeskPageAdmin, ReadOnlyAdmin, desk_page
from scenic_ops.core.dashboard import Card
from scenic_ops.governance import budgets, privacy, security, training
from scenic_ops.governance.errors import MESSAGES, Code, GovernanceError
from scenic_ops.governance.models import (
    Award,
    Budget,
    BudgetEntry,
    BudgetVariance,
    Control,
    ControlResult,
    DataRequest,
    DestructionLog,
    Enrolment,
    Funding,
    Milestone,
    PersonalDataExport,
    Programme,
    Project,
    ProjectDocument,
    RetentionPolicy,
    ReviewCycle,
    RiskAcceptance,
    RiskReview,
    Session,
    TrainingCertificate,
    TrainingCompliance,
)
from scenic_ops.workflow.admin import WorkflowDocumentAdmin


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ["title", "fiscal_year", "department", "category", "amount", "control", "monthly", "note"]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(str(MESSAGES[Code.INVALID_AMOUNT]), code=Code.INVALID_AMOUNT)
        return amount

    def clean_monthly(self):
        shares = self.cleaned_data.get("monthly") or []
        if not shares:
            return []
        try:
            values = [Decimal(str(s)) for s in shares] if isinstance(shares, list) else None
        except (InvalidOperation, ValueError, TypeError):
            values = None
        if values is None or len(values) != 12 or any(v < 0 for v in values) or sum(values) != 100:
            raise forms.ValidationError(str(MESSAGES[Code.INVALID_DISTRIBUTION]), code=Code.INVALID_DISTRIBUTION)
        return [str(v) for v in values]

    def clean(self):
        data = super().clean()
        same = Budget.objects.filter(
            fiscal_year=data.get("fiscal_year"), department=data.get("department"), category=data.get("category")
        ).exclude(state="rejected")
        if self.instance.pk:
            same = same.exclude(pk=self.instance.pk)
        if data.get("department") and same.exists():
            raise forms.ValidationError(
                str(MESSAGES[Code.BUDGET_LINE_EXISTS]).format(year=data.get("fiscal_year")),
                code=Code.BUDGET_LINE_EXISTS,
            )
        return data


class EntryInline(TabularInline):
    model = BudgetEntry
    fk_name = "budget"
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["at", "kind", "label", "amount", "over_budget", "message", "actor"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("What was approved on this line")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(WorkflowDocumentAdmin):
    form = BudgetForm
    list_display = [
        "title",
        "fiscal_year",
        "department",
        "category",
        "amount",
        "committed",
        "actual",
        "left",
        "control",
        "workflow_state",
    ]
    list_filter = ["fiscal_year", "category", "control", "state", "department"]
    search_fields = ["title"]
    readonly_fields = ["committed", "actual", "applicant", "created_at"]
    fields = [
        "title",
        "fiscal_year",
        "department",
        "category",
        "amount",
        "control",
        "monthly",
        "note",
        "committed",
        "actual",
        "applicant",
    ]
    inlines = [EntryInline]

    @display(description=gettext_lazy("left (CNY)"))
    def left(self, obj):
        return obj.remaining

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("fiscal_year", timezone.localdate().year)
        if getattr(request.user, "department_id", None):
            initial.setdefault("department", request.user.department_id)
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.applicant = request.user
        super().save_model(request, obj, form, change)


@admin.register(BudgetEntry)
class BudgetEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "kind",
        "label",
        "department_code",
        "category",
        "amount",
        "budget",
        "over_budget",
    ]
    list_filter = ["kind", "category", "over_budget"]
    search_fields = ["label", "source"]
    date_hierarchy = "at"


@admin.register(BudgetVariance)
class BudgetVarianceAdmin(DeskPageAdmin):
    """Budget to date against what was committed and spent, per line; unbudgeted spending."""

    def page_view(self, request):
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year") or today.year)
        except ValueError:
            year = today.year
        rows = budgets.variance(year)
        names = [str(r.budget.title) for r in rows]
        cards = [
            Card(
                title=_("Budget to date, committed and spent"),
                chart_type="bar",
                labels=names,
                datasets=[
                    {"name": _("budget to date"), "values": [float(r.to_date) for r in rows]},
                    {"name": _("committed"), "values": [float(r.budget.committed) for r in rows]},
                    {"name": _("spent"), "values": [float(r.budget.actual) for r in rows]},
                ],
                width="full",
            )
        ]
        return self.render_page(
            request,
            "admin/governance/variance.html",
            _("Budget variance %(year)s") % {"year": year},
            year=year,
            years=[today.year - 1, today.year, today.year + 1],
            rows=rows,
            cards=cards,
            unbudgeted=list(budgets.unbudgeted(year)[:50]),
        )


# --- training ----------------------------------------------------------------------------------------


@admin.register(Programme)
class ProgrammeAdmin(ModelAdmin):
    list_display = ["code", "name", "kind", "validity_months", "roles"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["mandatory_for"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("mandatory_for__group")

    @display(description=gettext_lazy("mandatory for"))
    def roles(self, obj):
        return ", ".join(str(r) for r in obj.mandatory_for.all()) or "-"


class EnrolmentInline(TabularInline):
    model = Enrolment
    extra = 0
    fields = ["person", "signed_in_at", "result", "score"]
    readonly_fields = ["signed_in_at"]
    autocomplete_fields = ["person"]


@admin.register(Session)
class SessionAdmin(ModelAdmin):
    list_display = ["programme", "starts_at", "place", "trainer", "signed_in"]
    list_filter = ["programme"]
    date_hierarchy = "starts_at"
    fields = ["programme", "starts_at", "ends_at", "place", "trainer", "sign_in"]
    readonly_fields = ["sign_in"]
    inlines = [EnrolmentInline]

    def get_queryset(self, request):
        signed = Count("enrolments", filter=Q(enrolments__signed_in_at__isnull=False))
        return super().get_queryset(request).annotate(n_enrolled=Count("enrolments"), n_signed=signed)

    @display(description=gettext_lazy("signed in"))
    def signed_in(self, obj):
        return f"{obj.n_signed} / {obj.n_enrolled}"

    @display(description=gettext_lazy("sign-in QR code"))
    def sign_in(self, obj):
        if not obj.pk:
            return _("Shown once the session is saved.")
        qr = reverse("governance:session-qr", args=[obj.pk])
        link = reverse("governance:sign-in", args=[obj.sign_in_code])
        return format_html(
            '<img src="{}" alt="QR" width="200" height="200" data-testid="session-qr"><br><a href="{}">{}</a>',
            qr,
            link,
            link,
        )

    def save_model(self, request, obj, form, change):
        if not obj.sign_in_code:
            obj.sign_in_code = training.new_sign_in_code()
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Results typed by the trainer go through `training.record_result` (a pass issues the certificate)."""
        if formset.model is not Enrolment:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for enrolment in instances:
            result, score = enrolment.result, enrolment.score
            if enrolment.pk is None:
                enrolment.result = Enrolment.Result.PENDING
                enrolment.save()
            try:
                certificate = training.record_result(enrolment, result, score)
            except GovernanceError as exc:
                messages.error(request, f"{enrolment.person}: {exc.detail}")
                continue
            if certificate is not None:
                messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
        for enrolment in formset.deleted_objects:
            enrolment.delete()


@admin.register(TrainingCertificate)
class TrainingCertificateAdmin(ModelAdmin):
    list_display = ["number", "holder", "programme", "issued_on", "expires_on"]
    list_filter = ["programme"]
    search_fields = ["number", "holder__username", "holder__display_name"]
    autocomplete_fields = ["holder"]
    date_hierarchy = "expires_on"


@admin.register(TrainingCompliance)
class TrainingComplianceAdmin(DeskPageAdmin):
    """Who holds a role whose mandatory training they lack, or whose certificate expired or expires soon."""

    def page_view(self, request):
        rows = training.compliance()
        counts = {k: sum(1 for r in rows if r.status == k) for k in ("expired", "missing", "expiring", "valid")}
        return self.render_page(
            request,
            "admin/governance/compliance.html",
            _("Mandatory training compliance"),
            rows=rows,
            counts=counts,
        )


# --- security reviews (等保2.0) -------------------------------------------------------------------------


@admin.register(Control)
class ControlAdmin(ModelAdmin):
    list_display = ["code", "layer", "title", "level", "active"]
    list_filter = ["layer", "level", "active"]
    search_fields = ["code", "title", "title_en", "requirement"]
    readonly_fields = ["code", "standard", "level", "layer"]


class ResultInline(TabularInline):
    model = ControlResult
    extra = 0
    can_delete = False
    fields = ["control", "result", "evidence", "evidence_date", "checked_by"]
    readonly_fields = ["control", "checked_by"]

    def has_add_permission(self, request, obj=None):
        return False


class FindingInline(TabularInline):
    model = RiskReview
    fk_name = "cycle"
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["title", "risk_level", "control", "owner", "review_due", "state"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class SignOffForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("auditor's note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


@admin.register(ReviewCycle)
class ReviewCycleAdmin(ModelAdmin):
    list_display = ["name", "starts_on", "due_on", "progress", "status", "signed_off_by"]
    list_filter = ["status"]
    fields = [
        "name",
        "level",
        "starts_on",
        "due_on",
        "scope",
        "status",
        "signed_off_by",
        "signed_off_at",
        "sign_off_note",
    ]
    readonly_fields = ["status", "signed_off_by", "signed_off_at", "sign_off_note"]
    inlines = [ResultInline, FindingInline]
    actions_detail = ["sign_off_link"]

    def get_queryset(self, request):
        checked = Count("results", filter=~Q(results__result=ControlResult.Result.PENDING))
        return super().get_queryset(request).annotate(n_results=Count("results"), n_checked=checked)

    @display(description=gettext_lazy("checked"))
    def progress(self, obj):
        return f"{obj.n_checked} / {obj.n_results}"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == ReviewCycle.Status.SIGNED_OFF:
            return False  # a signed-off review is a record
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            security.add_result_rows(obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for row in instances:
            if isinstance(row, ControlResult):
                row.checked_by = request.user
            row.save()
        formset.save_m2m()

    def has_sign_off_permission(self, request, object_id=None):
        return request.user.has_perm("governance.sign_off_reviewcycle")

    @action(description=gettext_lazy("Sign off (安全审计员)"), url_path="sign-off-link", permissions=["sign_off"])
    def sign_off_link(self, request, object_id):
        return redirect(reverse("admin:governance_reviewcycle_sign_off", args=[object_id]))

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/sign-off/",
                self.admin_site.admin_view(self.sign_off_view),
                name="governance_reviewcycle_sign_off",
            )
        ]
        return extra + super().get_urls()

    def sign_off_view(self, request, pk: int):
        if not request.user.has_perm("governance.sign_off_reviewcycle"):
            raise PermissionDenied
        cycle = ReviewCycle.objects.filter(pk=pk).first()
        if cycle is None:
            return redirect(reverse("admin:governance_reviewcycle_changelist"))
        form = SignOffForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                security.sign_off(cycle, request.user, form.cleaned_data["note"])
            except GovernanceError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("“%(review)s” is signed off.") % {"review": cycle})
                return redirect(reverse("admin:governance_reviewcycle_change", args=[cycle.pk]))
        counts = {label: cycle.results.filter(result=value).count() for value, label in ControlResult.Result.choices}
        return desk_page(
            self.admin_site,
            request,
            "admin/governance/sign_off.html",
            _("Sign off: %(review)s") % {"review": cycle},
            opts=self.model._meta,
            cycle=cycle,
            form=form,
            counts=counts,
            blockers=security.blockers(cycle),
        )


@admin.register(RiskReview)
class RiskReviewAdmin(WorkflowDocumentAdmin):
    list_display = ["title", "risk_level", "cycle", "control", "owner", "review_due", "workflow_state"]
    list_filter = ["risk_level", "state", "cycle"]
    search_fields = ["title", "description"]
    fields = [
        "title",
        "risk_level",
        "cycle",
        "control",
        "description",
        "remediation",
        "owner",
        "review_due",
        "department",
        "raised_by",
    ]
    readonly_fields = ["raised_by"]
    autocomplete_fields = ["control", "owner"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.raised_by = request.user
            if obj.department_id is None:
                obj.department = request.user.department
        super().save_model(request, obj, form, change)


# --- personal data (PIPL) -------------------------------------------------------------------------------


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "subject_phone", "subject_id", "reason", "sections", "rows", "requested_by"]
    list_filter = ["kind"]
    search_fields = ["reason"]


class ExportForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("phone"), max_length=20, required=False)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=30, required=False)
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=200)


@admin.register(PersonalDataExport)
class PersonalDataExportAdmin(DeskPageAdmin):
    """Answer an access request: the person's data from every domain as one JSON file."""

    def page_view(self, request):
        import json

        from django.http import HttpResponse

        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                data = privacy.export_person(
                    phone=form.cleaned_data["phone"],
                    id_number=form.cleaned_data["id_number"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except GovernanceError as exc:
                form.add_error(None, exc.detail)
            else:
                response = HttpResponse(
                    json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
                )
                response["Content-Disposition"] = f'attachment; filename="personal-data-{data["request"]}.json"'
                response["Cache-Control"] = "private, no-store"
                return response
        return self.render_page(request, "admin/governance/export.html", _("Export a person's data"), form=form)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ModelAdmin):
    list_display = ["data_class", "keep_days", "active", "note"]
    readonly_fields = ["data_class"]

    def has_add_permission(self, request):
        return False  # one row per data class, written by the data patch

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DestructionLog)
class DestructionLogAdmin(ReadOnlyAdmin):
    list_display = ["run_at", "data_class", "cutoff", "total", "counts"]
    list_filter = ["data_class"]
    date_hierarchy = "run_at"


# --- smart-tourism projects ----------------------------------------------------------------------------


class MilestoneInline(TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "done_on"]


class DocumentInline(TabularInline):
    model = ProjectDocument
    extra = 0
    fields = ["kind", "title", "file", "dated"]


class AwardInline(TabularInline):
    model = Award
    extra = 0
    fields = ["name", "level", "issuer", "year"]


class FundingInline(TabularInline):
    model = Funding
    extra = 0
    fields = ["source", "amount", "received_on"]


@admin.register(Project)
class ProjectAdmin(ModelAdmin):
    list_display = ["code", "name", "phase", "department", "owner", "investment", "completed_amount", "progress"]
    list_filter = ["phase", "department"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["owner"]
    inlines = [MilestoneInline, DocumentInline, AwardInline, FundingInline]

    @display(description=gettext_lazy("completed"))
    def progress(self, obj):
        return f"{int(obj.completed_amount * 100 / obj.investment)} %" if obj.investment else "-"


@admin.register(RiskAcceptance)
class RiskAcceptanceAdmin(ModelAdmin):
    """Asked for here; approved or refused by another person with the right (the manager)."""

    list_display = ["finding", "expires_on", "state", "requested_by", "decided_by"]
    list_filter = ["state"]
    fields = ["finding", "reason", "expires_on", "state", "requested_by", "decided_by", "decided_at"]
    readonly_fields = ["state", "requested_by", "decided_by", "decided_at"]
    autocomplete_fields = ["finding"]
    actions = ["approve_selected", "refuse_selected"]

    def has_decide_permission(self, request):
        return request.user.has_perm("governance.decide_riskacceptance")

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        try:
            made = security.request_acceptance(obj.finding, request.user, reason=obj.reason, expires_on=obj.expires_on)
        except GovernanceError as exc:
            messages.error(request, exc.detail)
            return None
        obj.pk = made.pk
        return None

    def _decide(self, request, queryset, approve: bool):
        for acceptance in queryset:
            try:
                security.decide_acceptance(acceptance, request.user, approve=approve)
            except GovernanceError as exc:
                messages.error(request, f"{acceptance}: {exc.detail}")

    @action(description=gettext_lazy("Accept the risk"), permissions=["decide"])
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, True)

    @action(description=gettext_lazy("Refuse"), permissions=["decide"])
    def refuse_selected(self, request, queryset):
        self._decide(request, queryset, False)
