"""The desk in Simplified Chinese: every list, add form and document page, the job list, the login
and the 403 page, walked as a superuser over the demo site, with no English left where a clerk reads
(column headers, labels, field sets, help texts) and no word standing for another one."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from scenic_ops.core import scheduling

# Seen in the desk in zh-hans before they were translated (Unfold, django-axes, django-otp, and
# model fields whose labels Django made up in English).
KNOWN_ENGLISH = {
    # Unfold
    "No results found",
    "This page yielded into no results. Create a new item or reset your filters.",
    "Reset filters",
    "Light",
    "Dark",
    "System",
    "Click to cancel",
    # django-axes
    "Attempt Time",
    "Logout Time",
    "User Agent",
    "IP Address",
    "Path",
    "Meta Data",
    # django-otp
    "TOTP device",
    "TOTP devices",
    "Identity",
    "Timestamps",
    "Configuration",
    "Throttling",
    "Confirmed",
    "Drift",
    "Digits",
    "Tolerance",
    "QR Code",
    "Is this device ready for use?",
    "The user that this device belongs to.",
    # labels of model fields
    "Acknowledged by",
    "Done by",
    "Incident",
    "Step",
    "Meter",
    "Outbox",
    "Updated at",
    "Component",
    "Bundle",
    "Claim scope",
    "Contact phone index",
    "Id number index",
    "Language",
    "Key",
    "Created by",
    "Template",
    "Payment",
    "Last latitude",
    "Last longitude",
    "Last accuracy m",
}


# The workflow domain's own labels, left to that domain's desk.
OUTSIDE_THE_DESK_DOMAINS = {("Updated at", "/admin/workflow/workflow/")}


class VisibleText(HTMLParser):
    """Text nodes a person sees (not scripts or styles), trimmed, without a trailing colon."""

    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.texts: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip().rstrip(":：").strip()
        if text and not self.hidden:
            self.texts.add(text)


def visible(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def desk_pages() -> list[str]:
    urls = ["/admin/", "/admin/core/jobschedule/", "/admin/core/jobrun/"]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        for view in ("changelist", "add"):
            try:
                urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}"))
            except NoReverseMatch:
                pass
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_change", args=[first.pk]))
    return urls


@pytest.fixture
def demo_site(db, roles):
    call_command("demo_site", stdout=open("/dev/null", "w"))
    scheduling.sync_schedules()


@pytest.mark.slow
def test_every_desk_page_reads_in_chinese(demo_site, make_user):
    client = Client()
    client.force_login(make_user("sysadmin", superuser=True))
    leftovers: dict[str, set[str]] = {}
    walked = 0
    for url in desk_pages():
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        walked += 1
        for text in visible(response.content.decode()) & KNOWN_ENGLISH:
            if (text, url) not in OUTSIDE_THE_DESK_DOMAINS:
                leftovers.setdefault(text, set()).add(url)
    assert walked > 150
    assert leftovers == {}, "\n".join(f"{text}: {sorted(urls)[:3]}" for text, urls in sorted(leftovers.items()))


@pytest.mark.slow
def test_words_that_mean_another_thing_are_told_apart(demo_site, make_user):
    from scenic_ops.service.models import Complaint

    client = Client()
    client.force_login(make_user("sysadmin", superuser=True))
    home = visible(client.get("/admin/").content.decode())
    assert "门票" in home and "票数" not in home  # the tickets model, not a count of tickets
    tickets = client.get("/admin/ticketing/ticket/").content.decode()
    assert "选择 门票 来查看" in tickets or "门票" in visible(tickets)
    orders = visible(client.get("/admin/ticketing/order/").content.decode())
    assert "票数" in orders  # an order's number of tickets stays a count
    complaint = Complaint.objects.exclude(order_ref="").first() or Complaint.objects.first()
    page = visible(client.get(f"/admin/service/complaint/{complaint.pk}/change/").content.decode())
    assert "订单" in page and "排序" not in page


@pytest.mark.django_db
def test_the_job_list_describes_every_job_in_chinese(make_user):
    scheduling.sync_schedules()
    with translation.override("zh-hans"):
        untranslated = [
            spec.name
            for spec in scheduling.registry().values()
            if translation.gettext(spec.description) == spec.description
        ]
    assert untranslated == []
    client = Client()
    client.force_login(make_user("sysadmin", superuser=True))
    page = visible(client.get("/admin/core/jobschedule/").content.decode())
    assert "释放超时未支付的占座" in page and "Expire unpaid holds" not in page


@pytest.mark.django_db
def test_the_login_page_is_chinese():
    page = visible(Client().get("/admin/login/").content.decode())
    assert "登录" in " ".join(page)
    # words and sentences (icon names such as "computer" are lower-case ligatures, not text)
    english = {t for t in page if re.fullmatch(r"[A-Z][A-Za-z ,.'’!?-]{3,}|[a-z]+ [A-Za-z ,.'’!?-]+", t)} - {"English"}
    assert english == set()


@pytest.mark.django_db
def test_the_403_page_is_chinese_and_in_the_desk(make_user):
    client = Client()
    client.force_login(make_user("ticket_clerk"))
    response = client.get("/admin/core/user/add/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="permission-denied"' in html and "无权访问" in html and "返回工作台" in html
    assert "403 Forbidden" not in html and "景区智慧运营平台" in html  # the desk frame, with its title
    api = client.get("/admin/core/user/add/", HTTP_ACCEPT="application/json")
    assert api.status_code == 403 and api.json()["code"] == "permission_denied"
