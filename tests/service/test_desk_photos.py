"""Complaint photos in the desk: served through a checked view (never /media/), with thumbnails."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from scenic_ops.service.models import ComplaintPhoto


def jpeg(size=(1600, 1200), colour="navy") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return SimpleUploadedFile("toilet.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def photo(make_complaint):
    complaint = make_complaint(photos=[jpeg()])
    return ComplaintPhoto.objects.get(complaint=complaint)


def client_for(make_user, *roles):
    client = Client()
    client.force_login(make_user(*roles))
    return client


@pytest.mark.django_db
def test_a_permitted_agent_gets_the_photo_and_its_thumbnail(photo, make_user):
    agent = client_for(make_user, "service_agent")
    full = agent.get(f"/admin/files/complaint-photo/{photo.pk}/")
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (1600, 1200)
    thumb = agent.get(f"/admin/files/complaint-photo/{photo.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(b"".join(thumb.streaming_content)))
    assert picture.format == "JPEG" and max(picture.size) == 320 and picture.size == (320, 240)
    # cached in the storage beside the original's path, not made again
    assert default_storage.exists(f"thumbs/{photo.file.name}.320.jpg")
    assert agent.get(f"/admin/files/complaint-photo/{photo.pk}/thumb/").status_code == 200


@pytest.mark.django_db
def test_the_change_page_shows_a_thumbnail_and_a_real_name_for_the_photo(photo, make_user):
    agent = client_for(make_user, "service_agent")
    html = agent.get(f"/admin/service/complaint/{photo.complaint_id}/change/").content.decode()
    assert f'src="/admin/files/complaint-photo/{photo.pk}/thumb/"' in html
    assert f'href="/admin/files/complaint-photo/{photo.pk}/"' in html
    assert "/media/" not in html
    assert "ComplaintPhoto object" not in html
    assert str(photo) == f"{photo.complaint.code} · {photo.file.name.rsplit('/', 1)[-1]}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gate_checker", "ticket_clerk"])  # no complaint photos in their desk
def test_a_user_without_permission_is_refused(photo, make_user, role):
    other = client_for(make_user, role)
    for url in (f"/admin/files/complaint-photo/{photo.pk}/", f"/admin/files/complaint-photo/{photo.pk}/thumb/"):
        response = other.get(url)
        assert response.status_code == 403, url
        assert b"\xff\xd8" not in response.content  # no JPEG bytes


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_and_media_is_not_public(photo):
    anonymous = Client()
    response = anonymous.get(f"/admin/files/complaint-photo/{photo.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=")
    assert anonymous.get(f"/media/{photo.file.name}").status_code == 404
    assert anonymous.get(f"/admin/files/complaint-photo/{photo.pk}/thumb/").status_code == 302


@pytest.mark.django_db
def test_unknown_kinds_and_missing_photos_are_404(photo, make_user):
    agent = client_for(make_user, "service_agent")
    assert agent.get(f"/admin/files/nothing/{photo.pk}/").status_code == 404
    assert agent.get(f"/admin/files/complaint-photo/{photo.pk + 999}/").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_complaint_page_shows_the_thumbnail_in_the_browser(
    service, make_complaint, make_user, desk_login, live_server
):
    complaint = make_complaint(photos=[jpeg(colour="orange")])
    page = desk_login(make_user("service_agent"))
    page.goto(f"{live_server.url}/admin/service/complaint/{complaint.pk}/change/")
    thumb = page.locator("a.scenic-photo img").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('a.scenic-photo img'); return i && i.complete; }")
    assert thumb.evaluate("img => img.naturalWidth") == 320
    page.screenshot(path="var/screenshots/desk-complaint-photo.png", full_page=True)
