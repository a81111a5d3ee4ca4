"""Desk building blocks shared by every domain's admin."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from unfold.admin import ModelAdmin

from scenic_ops.core import audit


class AuditedAdmin(ModelAdmin):
    """A business document's admin: its History page shows the audit trail."""

    def history_view(self, request, object_id, extra_context=None):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, obj):
            from django.core.exceptions import PermissionDenied

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


class ReadOnlyAdmin(ModelAdmin):
    """Records nobody edits in the desk (logs, runs, recorded messages)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
