"""Simplified Chinese is the default and complete: every catalogue entry is translated."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUES = sorted(
    [
        *Path(settings.APPS_DIR).glob("*/locale/zh_Hans/LC_MESSAGES/django.po"),
        *Path(settings.BASE_DIR, "locale").glob("zh_Hans/LC_MESSAGES/django.po"),
    ]
)


def test_there_are_catalogues():
    assert any("core" in str(p) for p in CATALOGUES)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_is_fully_translated(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in {path.name}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy entries in {path}: {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_placeholders_survive_translation(path):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            continue
        assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid


def test_words_with_two_meanings_read_right_in_each_domain():
    """One catalogue wins for a bare msgid across domains: words whose meaning differs carry a context."""
    from django.utils import translation

    from scenic_ops.access.models import Conflict
    from scenic_ops.flow.models import Forecast
    from scenic_ops.operations.models import Certificate
    from scenic_ops.service.models import Complaint, Incident
    from scenic_ops.ticketing.models import Payment, PriceCategory, Ticket

    with translation.override("zh-hans"):
        assert str(Ticket._meta.get_field("order").verbose_name) == "订单"
        assert str(Payment.Status.PENDING.label) == "处理中"
        assert str(PriceCategory._meta.get_field("document_label").verbose_name) == "证件"
        assert str(Complaint._meta.get_field("category").verbose_name) == "类别"
        assert str(Incident.State.CLOSED.label) == "已结束"
        assert str(Conflict.Status.OPEN.label) == "待处理"
        assert str(Forecast._meta.get_field("model").verbose_name) == "模型"
        assert str(Certificate._meta.get_field("file").verbose_name) == "扫描件"
    with translation.override("en"):
        assert str(Ticket._meta.get_field("order").verbose_name) == "order"
        assert str(Incident.State.CLOSED.label) == "Closed"
