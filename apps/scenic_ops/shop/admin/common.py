"""Building blocks of the shop's desk."""

from __future__ import annotations

from unfold.admin import TabularInline


class ReadOnlyInline(TabularInline):
    """Rows of a document shown on its page to whoever may view the document."""

    extra = 0
    max_num = 0
    can_delete = False
    parent_perm = "shop.view_order"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(self.parent_perm)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
