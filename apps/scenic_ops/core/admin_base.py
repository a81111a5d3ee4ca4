"""Desk building blocks shared by every domain's admin."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from unfold.admin import ModelAdmin

from scenic_ops.core import audit, pii


class AuditedAdmin(ModelAdmin):
    """A business document's admin: its History page shows the audit trail."""

    def history_view(self, request, object_id, extra_context=None):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        page = Paginator(audit.history(obj), 50).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "events": page,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/scenic_ops/history.html", context)


def desk_page(admin_site, request, template: str, title: str, **context) -> TemplateResponse:
    """A desk page of its own (not a model list), drawn in the admin's frame."""
    return TemplateResponse(
        request, template, {**admin_site.each_context(request), "title": title, "subtitle": None, **context}
    )


def require_perm(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def date_param(value: str | None, default: dt.date) -> dt.date:
    """An ISO date from a query parameter; `default` when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


class ReadOnlyAdmin(ModelAdmin):
    """Records nobody edits in the desk (logs, runs, recorded messages)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeskPageAdmin(ReadOnlyAdmin):
    """The admin of a desk page listed in the sidebar (a proxy model with no table of its own):
    its list is one page, drawn by `page_view` for users who may view the model."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.page_view(request)

    def page_view(self, request) -> TemplateResponse:
        raise NotImplementedError

    def render_page(self, request, template: str, title: str, **context) -> TemplateResponse:
        return desk_page(self.admin_site, request, template, title, opts=self.model._meta, **context)


class CursorPaginator(Paginator):
    """For tables with millions of rows: no COUNT(*) over the whole table on each page."""

    LIMIT = 10_000

    @property
    def count(self):  # type: ignore[override]
        return self.object_list[: self.LIMIT + 1].count()


def unregister(model) -> None:
    try:
        admin.site.unregister(model)
    except admin.sites.NotRegistered:
        pass


class PhoneSearchMixin:
    """A desk list searched by an 11-digit phone through its blind index (the number is never
    decrypted); any other term goes to the usual search. `phone_index_field` names the index."""

    phone_index_field = "contact_phone_index"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit() and len(term) == 11 and hasattr(self.model, self.phone_index_field):
            return queryset.filter(**{self.phone_index_field: pii.blind_index(term, kind="phone")}), False
        return super().get_search_results(request, queryset, search_term)
