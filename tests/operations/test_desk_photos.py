"""Repair, inspection and asset photos in the desk: served through a checked view (never /media/),
with thumbnails, to users who may view the ticket, task or asset."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from scenic_ops.operations.models import AssetDocument, InspectionResult, InspectionTask, RepairPhoto
from scenic_ops.operations.services import inspections, repairs
from tests.operations.conftest import photo, png_bytes

pytestmark = pytest.mark.django_db


def client_for(make_user, role):
    client = Client()
    client.force_login(make_user(role))
    return client


def image_of(response) -> Image.Image:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


@pytest.fixture
def repair_photo(make_asset, make_user):
    ticket = repairs.report(
        title="闸机卡票",
        asset=make_asset("gate"),
        reported_by=make_user("engineer"),
        photos=[photo("jam.png", png_bytes((800, 600), "green"))],
    )
    return RepairPhoto.objects.get(ticket=ticket)


def test_an_engineer_gets_the_repair_photo_and_its_thumbnail(repair_photo, make_user):
    engineer = client_for(make_user, "engineer")
    full = engineer.get(f"/admin/files/repair-photo/{repair_photo.pk}/")
    assert full.status_code == 200 and full["Content-Type"] == "image/png"
    assert image_of(full).size == (800, 600)
    thumb = engineer.get(f"/admin/files/repair-photo/{repair_photo.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert image_of(thumb).size == (320, 240)


def test_the_repair_page_shows_thumbnails_and_links_no_media_url(repair_photo, make_user):
    engineer = client_for(make_user, "engineer")
    html = engineer.get(f"/admin/operations/repairticket/{repair_photo.ticket_id}/change/").content.decode()
    assert f'src="/admin/files/repair-photo/{repair_photo.pk}/thumb/"' in html
    assert f'href="/admin/files/repair-photo/{repair_photo.pk}/"' in html
    assert "/media/" not in html and "RepairPhoto object" not in html


def test_users_who_may_not_see_the_ticket_are_refused_and_anonymous_sent_to_login(repair_photo, make_user):
    for role in ("gate_checker", "ticket_clerk"):
        response = client_for(make_user, role).get(f"/admin/files/repair-photo/{repair_photo.pk}/thumb/")
        assert response.status_code == 403, role
    anonymous = Client().get(f"/admin/files/repair-photo/{repair_photo.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/?next=")


def test_inspection_photos_need_the_task(make_plan, make_user, make_asset):
    inspector = make_user("inspector")
    plan = make_plan(points=[make_asset("gate")])
    inspections.create_daily_tasks()
    task = InspectionTask.objects.get(plan=plan)
    inspections.submit(
        task,
        inspector,
        [
            {"point": plan.points.get().pk, "item": item.pk, "value": value, "photo": "p1" if i == 0 else ""}
            for i, (item, value) in enumerate(
                zip(plan.template.items.order_by("position"), ["yes", "220", ""], strict=True)
            )
        ],
        files={"p1": photo("gate.png", png_bytes((600, 900), "blue"))},
        submission_id="sub-desk-0001",
    )
    result = InspectionResult.objects.exclude(photo="").get()
    thumb = client_for(make_user, "inspector").get(f"/admin/files/inspection-photo/{result.pk}/thumb/")
    assert thumb.status_code == 200 and image_of(thumb).size == (213, 320)
    assert client_for(make_user, "finance").get(f"/admin/files/inspection-photo/{result.pk}/").status_code == 403
    html = client_for(make_user, "inspector").get(f"/admin/operations/inspectiontask/{task.pk}/change/").content
    assert f'src="/admin/files/inspection-photo/{result.pk}/thumb/"'.encode() in html


def test_asset_documents_go_through_the_checked_view(make_asset, make_user):
    gate = make_asset("gate")
    document = AssetDocument(asset=gate, kind="photo", title="铭牌")
    document.file.save("plate.png", ContentFile(png_bytes((100, 50))), save=True)
    manual = AssetDocument(asset=gate, kind="manual", title="说明书")
    manual.file.save("manual.html", ContentFile(b"<script>alert(1)</script>"), save=True)
    engineer = client_for(make_user, "engineer")
    html = engineer.get(f"/admin/operations/asset/{gate.pk}/change/").content.decode()
    assert f"/admin/files/asset-document/{document.pk}/thumb/" in html and "/media/" not in html
    assert image_of(engineer.get(f"/admin/files/asset-document/{document.pk}/")).size == (100, 50)
    # a file a browser would run is downloaded, never shown on the desk's origin
    download = engineer.get(f"/admin/files/asset-document/{manual.pk}/")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert engineer.get(f"/admin/files/asset-document/{manual.pk}/thumb/").status_code == 404
    assert client_for(make_user, "ticket_clerk").get(f"/admin/files/asset-document/{document.pk}/").status_code == 403
