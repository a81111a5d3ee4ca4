"""Desk: mentions and reviews, xlsx/CSV imports with their row reports, negative-spike rules, alerts,
and the opinion dashboard (sentiment trend, top negative topics)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import display

from scenic_ops.core.admin_base import AuditedAdmin, DeskPageAdmin, ReadOnlyAdmin
from scenic_ops.core.dashboard import Card
from scenic_ops.service import opinion, selectors
from scenic_ops.service.models import ImportBatch, Mention, OpinionDashboard, ServiceAlert, SpikeRule

SENTIMENT_COLOURS = {"negative": "danger", "neutral": "info", "positive": "success"}


@admin.register(Mention)
class MentionAdmin(ModelAdmin):
    list_display = [
        "published_at",
        "source",
        "short_text",
        "rating",
        "sentiment_badge",
        "sentiment",
        "topics_text",
        "complaint",
    ]
    list_filter = ["sentiment_label", "source"]
    search_fields = ["text", "title", "external_id", "author"]
    date_hierarchy = "published_at"
    list_select_related = ["complaint"]
    autocomplete_fields = ["complaint"]
    fields = [
        ("source", "external_id", "published_at"),
        ("author", "rating", "url"),
        "title",
        "text",
        ("sentiment_label", "sentiment"),
        ("keywords", "topics"),
        "complaint",
    ]
    readonly_fields = [
        "source",
        "external_id",
        "published_at",
        "author",
        "rating",
        "url",
        "title",
        "text",
        "sentiment_label",
        "sentiment",
        "keywords",
        "topics",
    ]
    actions = ["make_complaints"]

    def has_add_permission(self, request):
        return False

    @display(description=gettext_lazy("text"))
    def short_text(self, obj):
        return obj.text[:60] + ("…" if len(obj.text) > 60 else "")

    @display(description=gettext_lazy("sentiment"), label=SENTIMENT_COLOURS)
    def sentiment_badge(self, obj):
        return obj.sentiment_label, obj.get_sentiment_label_display()

    @display(description=gettext_lazy("topics"))
    def topics_text(self, obj):
        return "、".join(selectors.topic_label(t) for t in obj.topics or [])

    @admin.action(description=gettext_lazy("Make complaints of the selected reviews"), permissions=["add_complaint"])
    def make_complaints(self, request, queryset):
        made = 0
        for mention in queryset.filter(complaint__isnull=True)[:100]:
            opinion.complaint_from_mention(mention, request.user)
            made += 1
        messages.success(request, _("%(n)d complaints created and linked.") % {"n": made})

    def has_add_complaint_permission(self, request):
        return request.user.has_perm("service.add_complaint")


class ImportForm(forms.ModelForm):
    class Meta:
        model = ImportBatch
        fields = ["file", "default_source"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(ModelAdmin):
    form = ImportForm
    list_display = [
        "created_at",
        "file_name",
        "status",
        "total_rows",
        "imported",
        "duplicates",
        "rejected",
        "uploaded_by",
    ]
    list_filter = ["status"]
    readonly_fields = [
        "file_name",
        "status",
        "total_rows",
        "imported",
        "duplicates",
        "rejected",
        "error",
        "row_report",
        "uploaded_by",
        "created_at",
        "finished_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "default_source"]
        return [
            "file_name",
            ("status", "created_at", "finished_at"),
            ("total_rows", "imported", "duplicates", "rejected"),
            "error",
            "row_report",
        ]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        batch = opinion.queue_import(
            form.cleaned_data["file"], default_source=form.cleaned_data.get("default_source", ""), user=request.user
        )
        obj.pk = batch.pk
        obj.__dict__.update({k: v for k, v in batch.__dict__.items() if not k.startswith("_")})
        messages.info(request, _("The file is being imported; reload this page to see the result."))

    @display(description=gettext_lazy("refused rows"))
    def row_report(self, obj):
        if not obj.report:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r["row"], r["reason"], r.get("text", "")) for r in obj.report),
        )
        return format_html(
            '<table class="service-report"><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>',
            _("row"),
            _("reason"),
            _("text"),
            rows,
        )


@admin.register(SpikeRule)
class SpikeRuleAdmin(AuditedAdmin):
    list_display = ["name", "source", "window_minutes", "threshold", "min_share_percent", "active"]


@admin.register(ServiceAlert)
class ServiceAlertAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "kind", "subject", "open_badge", "acknowledged_by", "cleared_at"]
    list_filter = ["kind", ("cleared_at", admin.EmptyFieldListFilter)]
    actions = ["acknowledge"]

    @display(description=gettext_lazy("open"), boolean=True)
    def open_badge(self, obj):
        return obj.cleared_at is None

    @admin.action(description=gettext_lazy("Acknowledge"), permissions=["view"])
    def acknowledge(self, request, queryset):
        n = queryset.filter(acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=request.user
        )
        messages.success(request, _("%(n)d alerts acknowledged.") % {"n": n})


@admin.register(OpinionDashboard)
class OpinionDashboardAdmin(DeskPageAdmin):
    def page_view(self, request):
        data = selectors.opinion_analytics()
        cards = [
            Card(
                title=_("Mentions per day by sentiment"),
                chart_type="bar",
                labels=data["days"],
                datasets=[
                    {"name": _("Negative"), "values": data["neg"]},
                    {"name": _("Positive"), "values": data["pos"]},
                ],
                colors=["#ef4444", "#10b981"],
                width="full",
            ),
            Card(
                title=_("Average sentiment (−100 … +100)"),
                chart_type="line",
                labels=data["days"],
                datasets=[{"name": _("Sentiment"), "values": data["score"]}],
                colors=["#6366f1"],
            ),
            Card(
                title=_("Top negative topics"),
                chart_type="bar",
                labels=[selectors.topic_label(t) for t, _n in data["topics"]],
                datasets=[{"name": _("Negative mentions"), "values": [n for _t, n in data["topics"]]}],
                colors=["#f97316"],
            ),
        ]
        return self.render_page(
            request,
            "service/admin/opinion.html",
            _("Public opinion (last 30 days)"),
            data=data,
            cards=cards,
        )
