"""Provincial platform reporting: real-time and daily payloads, signed, through the outbox with
retries, one per period, an immediate report on a level change; every report and its answer in the desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from scenic_ops.core import gateways
from scenic_ops.flow.models import DailyFlow, ProvincialReport, ReportingEndpoint
from scenic_ops.flow.services import evaluate, record_passages, reporting
from tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def _endpoint(url: str, **fields) -> ReportingEndpoint:
    endpoint = ReportingEndpoint(
        name="江苏省文旅平台", url=url, site_code="JS-0001", **{"realtime_minutes": 5, **fields}
    )
    reporting.set_secret(endpoint, "prov-secret")
    endpoint.save()
    return endpoint


def _verify(request) -> dict:
    headers = {k.lower(): v for k, v in request.headers.items()}
    expected = gateways.sign("prov-secret", headers["x-scenic-timestamp"], request.body)
    assert headers["x-scenic-signature"] == expected
    return request.json()


def test_realtime_report_is_signed_sent_once_per_period_and_shown_in_the_desk(site, rq_worker, make_user):
    record_passages(None, entries=420, exits=20)
    record_passages("summit", entries=30)
    with Receiver() as receiver:
        endpoint = _endpoint(f"{receiver.url}/flow")
        now = timezone.now()
        assert reporting.report_realtime(now=now) == 1
        assert reporting.report_realtime(now=now + dt.timedelta(seconds=30)) in (
            0,
            1,
        )  # same 5-minute period: no repeat
        rq_worker()
        assert len(receiver.requests) == ProvincialReport.objects.count()
        body = _verify(receiver.requests[0])
    assert body["kind"] == "realtime" and body["site_code"] == "JS-0001"
    assert (body["in_park"], body["entries_today"], body["capacity_instant"], body["warning_level"]) == (
        400,
        420,
        1000,
        "normal",
    )
    assert {"code": "summit", "count": 30, "capacity": 100} in body["spots"]
    assert "_signing_secret" not in body
    report = ProvincialReport.objects.first()
    assert report.message.status == "sent" and report.payload["in_park"] == 400
    endpoint.refresh_from_db()
    assert endpoint.last_realtime_at is not None
    client = Client()
    client.force_login(make_user("manager"))
    page = client.get("/admin/flow/provincialreport/").content.decode()
    assert "http:200" in page  # the platform's answer
    detail = client.get(f"/admin/flow/provincialreport/{report.pk}/change/").content.decode()
    assert "JS-0001" in detail


def test_daily_report_after_midnight_and_retries_when_the_platform_fails(site, rq_worker, settings):
    settings.OUTBOX_BACKOFF_SECONDS = 1
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    DailyFlow.objects.create(day=yesterday, entries=2500, exits=2490, peak_in_park=900, booked=2300, source="import")
    with Receiver(status=503) as receiver:
        _endpoint(f"{receiver.url}/daily")
        assert reporting.report_daily() == 1
        assert reporting.report_daily() == 0  # one daily report per day
        rq_worker()
        report = ProvincialReport.objects.get(kind="daily")
        report.message.refresh_from_db()
        assert report.message.status == "retrying" and "HTTP 503" in report.message.last_error
        receiver.status = 200
        from scenic_ops.core import outbox

        outbox.sweep(now=timezone.now() + dt.timedelta(seconds=5))
        report.message.refresh_from_db()
        assert report.message.status == "sent" and report.message.attempts == 2
        body = _verify(receiver.requests[-1])
    assert body == {
        **body,
        "kind": "daily",
        "date": yesterday.isoformat(),
        "entries": 2500,
        "peak_in_park": 900,
        "booked": 2300,
        "capacity_daily": 3000,
    }


def test_a_level_change_is_reported_at_once(site, rq_worker):
    with Receiver() as receiver:
        _endpoint(f"{receiver.url}/events", realtime_minutes=0)
        record_passages(None, entries=850)
        [change] = evaluate()
        assert any(action.startswith("reported:1") for action in change.actions)
        rq_worker()
        body = _verify(receiver.requests[0])
    assert (body["kind"], body["from_level"], body["to_level"], body["count"]) == ("level", "normal", "yellow", 850)


def test_disabled_platforms_get_nothing(site):
    _endpoint("http://127.0.0.1:9/never", enabled=False)
    assert reporting.report_realtime() == 0 and reporting.report_daily() == 0
