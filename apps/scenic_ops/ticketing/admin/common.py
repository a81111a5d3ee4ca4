"""Building blocks of the ticketing desk lists: bounded counts for big tables, exports, blind-index search."""

from __future__ import annotations

from django.utils.functional import cached_property

from scenic_ops.core import admin_base as core_admin
from scenic_ops.core import pii
from scenic_ops.core.admin_base import CursorPaginator
from scenic_ops.core.exports import ExportMixin  # noqa: F401  (the desk lists' export)
from scenic_ops.ticketing import idcard


class ListPaginator(CursorPaginator):
    """CursorPaginator (no full-table COUNT) that also counts only once per page."""

    @cached_property
    def count(self):
        # Without ORDER BY: sorted by id, MariaDB would walk the primary key to find 10,001 matches
        # instead of using the filter's index.
        return self.object_list.order_by()[: self.LIMIT + 1].count()


class BigListMixin:
    """Lists that must stay fast at millions of rows: bounded count, no join the optimizer could
    start from (a small table joined first makes MariaDB sort the whole big one); related rows
    are fetched by primary key for the page only."""

    paginator = ListPaginator
    show_full_result_count = False
    list_select_related = ()
    list_per_page = 50
    prefetch: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.prefetch)


class PhoneSearchMixin(core_admin.PhoneSearchMixin):
    """Search by exact reference, by phone (core), or by an ID number through its blind index."""

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        is_phone = term.isdigit() and len(term) == 11
        if (
            not is_phone
            and hasattr(self.model, "id_number_index")
            and len(term) >= 8
            and any(ch.isdigit() for ch in term)
        ):
            index = pii.blind_index(idcard.normalise(term), kind="id")
            hits = queryset.filter(id_number_index=index)
            if hits.exists():
                return hits, False
        return super().get_search_results(request, queryset, search_term)
