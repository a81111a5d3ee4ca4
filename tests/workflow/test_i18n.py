"""The workflow domain's Chinese catalogue is complete (Simplified Chinese is the default language)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scenic_ops.conf import ROOT

PO = ROOT / "apps" / "scenic_ops" / "workflow" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|%[sd]")


def entries(path: Path) -> list[tuple[str, str, bool]]:
    out = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.splitlines()
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        strs = [i for i, line in enumerate(lines) if line.startswith("msgstr ")]
        if not ids or not strs:
            continue
        msgid = "".join(re.findall(r'"(.*)"', "\n".join(lines[ids[0] : strs[0]])))
        msgstr = "".join(re.findall(r'"(.*)"', "\n".join(lines[strs[0] :])))
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if msgid:
            out.append((msgid, msgstr, fuzzy))
    return out


def test_every_string_is_translated_and_keeps_its_placeholders():
    found = entries(PO)
    assert len(found) > 300
    untranslated = [msgid for msgid, msgstr, fuzzy in found if not msgstr or fuzzy]
    assert untranslated == []
    for msgid, msgstr, _fuzzy in found:
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


@pytest.mark.django_db
def test_refusals_read_in_chinese_by_default(make_workflow, make_request, make_user):
    if not PO.with_suffix(".mo").exists():
        pytest.skip("catalogues are compiled by set-up")
    from django.utils import translation

    from scenic_ops.workflow import services
    from scenic_ops.workflow.errors import WorkflowError

    make_workflow()
    doc = make_request(make_user("ticket_clerk"))
    with translation.override("zh-hans"):
        with pytest.raises(WorkflowError) as caught:
            services.apply(doc, "approve", make_user("engineer"))
        assert "不是状态" in caught.value.detail
