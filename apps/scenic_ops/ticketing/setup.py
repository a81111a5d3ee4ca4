"""Set-up fixtures: the usual Chinese price categories (idempotent; edits in the desk are kept)."""

from __future__ import annotations

from scenic_ops.ticketing import catalog
from scenic_ops.ticketing.models import PriceCategory

# code, name, English, min age, max age, document, document (English), group only
CATEGORIES = [
    ("adult", "成人", "Adult", None, None, "", "", False),
    ("child", "儿童", "Child (6–17)", 6, 17, "", "", False),
    ("infant", "婴幼儿", "Child under 6", None, 5, "", "", False),
    ("senior", "老年人", "Senior (60+)", 60, None, "", "", False),
    ("student", "学生", "Student", None, None, "学生证", "student card", False),
    ("disabled", "残疾人", "Person with a disability", None, None, "残疾人证", "disability card", False),
    ("military", "现役军人", "Active service member", None, None, "军官证/士兵证", "military ID", False),
    ("group", "团队", "Group (travel agency)", None, None, "", "", True),
]


def load(stdout) -> None:
    created = 0
    for order, (code, name, en, low, high, doc, doc_en, group) in enumerate(CATEGORIES):
        _, made = PriceCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "min_age": low,
                "max_age": high,
                "needs_document": bool(doc),
                "document_label": doc,
                "document_label_en": doc_en,
                "group_only": group,
                "sort_order": order,
            },
        )
        created += made
    catalog.invalidate()
    stdout.write(f"ticketing: {created} price categories created ({len(CATEGORIES)} known)")
