"""Public opinion: ingest with per-item results, xlsx/CSV import with a per-row report, a negative
spike raising exactly one alert, mention → complaint."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from scenic_ops.service import opinion
from scenic_ops.service.models import ImportBatch, Mention, ServiceAlert, SpikeRule

NOW = timezone.make_aware(dt.datetime(2026, 5, 2, 15, 0))
BAD = [
    "排队三小时，管理混乱，太失望了",
    "厕所脏得没法用，再也不来了",
    "乱收费，宰客，千万别来",
    "工作人员态度恶劣",
    "门票太贵，不值",
]


def mention(text, minutes_ago=10, **extra):
    return {
        "source": "weibo",
        "text": text,
        "published_at": (NOW - dt.timedelta(minutes=minutes_ago)).isoformat(),
        **extra,
    }


def test_a_negative_spike_raises_one_alert_until_it_subsides(service, make_user):
    from scenic_ops.workflow.models import Notification

    agent = make_user("service_agent")
    rule = SpikeRule.objects.get()  # the default: 5 negative mentions within 60 minutes
    assert (rule.window_minutes, rule.threshold) == (60, 5)
    opinion.ingest([mention(t, 5 + i) for i, t in enumerate(BAD[:4])] + [mention("风景很美，推荐", 3)], now=NOW)
    assert opinion.check_spikes(now=NOW) == []  # 4 negatives: below the threshold
    opinion.ingest([mention(BAD[4], 2)], now=NOW)
    [alert] = opinion.check_spikes(now=NOW)
    assert alert.kind == "opinion_spike" and alert.data["negative"] == 5 and alert.data["total"] == 6
    opinion.ingest([mention("又是排队两小时，太差了", 1)], now=NOW)
    assert opinion.check_spikes(now=NOW + dt.timedelta(minutes=1)) == []  # still the same spike: no second alert
    assert ServiceAlert.objects.filter(kind="opinion_spike").count() == 1
    assert Notification.objects.filter(recipient=agent, event="opinion_spike").count() == 1
    later = NOW + dt.timedelta(hours=2)
    assert opinion.check_spikes(now=later) == []
    alert.refresh_from_db()
    assert alert.cleared_at == later  # the window emptied: the alert clears, a new spike may alert again


def test_the_api_push_gives_a_result_per_item_and_keeps_the_good_ones(service):
    result = opinion.ingest(
        [
            mention("景色壮观，值得一去", external_id="w1", rating=5),
            mention("", external_id="w2"),
            mention("门票太贵", external_id="w3", url="javascript:alert(1)"),
            {"source": "weibo", "text": "时间不对", "published_at": "yesterday"},
            mention("景色壮观，值得一去", external_id="w1", rating=5),
            "not an object",
        ],
        now=NOW,
    )
    assert [r["status"] for r in result["results"]] == [
        "created", "refused", "refused", "refused", "duplicate", "refused",
    ]  # fmt: skip
    assert result["results"][0]["label"] == "positive"
    assert "empty" in result["results"][1]["reason"] or "空" in result["results"][1]["reason"]
    assert Mention.objects.count() == 1


def _xlsx(rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_import_keeps_every_good_row_and_reports_every_bad_one(service, make_user):
    user = make_user("service_agent")
    content = _xlsx(
        [
            ["平台", "编号", "发布时间", "内容", "评分", "链接"],
            ["ctrip", "c1", "2026-05-01 10:00", "厕所太脏，排队太久", 1, "https://example.com/r/1"],
            ["ctrip", "c2", "2026-05-01 11:00", "", 5, ""],
            ["ctrip", "c3", "not a date", "好玩", 5, ""],
            [None, None, None, None, None, None],
            ["ctrip", "c4", "2026-05-01 12:00", "<script>alert(1)</script>很好玩", 9, ""],
            ["ctrip", "c5", "2026-05-01 13:00", "风景很美，工作人员热情", 5, ""],
        ]
    )
    batch = opinion.queue_import(SimpleUploadedFile("reviews.xlsx", content), user=user)
    opinion.run_import(batch, now=NOW)
    batch.refresh_from_db()
    assert batch.status == "done" and (batch.total_rows, batch.imported, batch.rejected) == (5, 2, 3)
    assert [r["row"] for r in batch.report] == [3, 4, 6]  # spreadsheet row numbers (the blank row 5 is skipped)
    assert all(r["reason"] for r in batch.report)
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"c1", "c5"}
    # run again: nothing is duplicated
    opinion.run_import(batch, now=NOW)
    batch.refresh_from_db()
    assert (batch.imported, batch.duplicates) == (0, 2) and Mention.objects.count() == 2


def test_a_gbk_csv_import_and_a_broken_file(service):
    text = "source,time,text,rating\nmeituan,2026-05-01 09:00,门票太贵了不值,2\n"
    batch = opinion.queue_import(SimpleUploadedFile("m.csv", text.encode("gb18030")))
    opinion.run_import(batch, now=NOW)
    batch.refresh_from_db()
    assert batch.imported == 1 and Mention.objects.get().sentiment_label == "negative"
    broken = opinion.queue_import(SimpleUploadedFile("x.xlsx", b"this is not a spreadsheet"))
    opinion.run_import(broken, now=NOW)
    broken.refresh_from_db()
    assert broken.status == "failed" and broken.error
    wrong = opinion.queue_import(SimpleUploadedFile("x.pdf", b"%PDF"))
    opinion.run_import(wrong, now=NOW)
    assert ImportBatch.objects.get(pk=wrong.pk).status == "failed"


def test_a_review_becomes_a_linked_complaint(service, make_user):
    agent = make_user("service_agent")
    opinion.ingest([mention("索道排队两小时，没人管", source="ctrip", external_id="R-9")], now=NOW)
    review = Mention.objects.get()
    complaint = opinion.complaint_from_mention(review, agent, category="queues")
    assert complaint.channel == "ota_review" and complaint.external_ref == "R-9" and complaint.state == "received"
    review.refresh_from_db()
    assert review.complaint == complaint
    assert opinion.complaint_from_mention(review, agent).pk == complaint.pk


@pytest.mark.parametrize("items", [[], "x", [{}] * 501])
def test_the_push_refuses_an_empty_or_oversized_batch(service, items):
    from scenic_ops.service.errors import ServiceError

    with pytest.raises(ServiceError):
        opinion.ingest(items, now=NOW)
