import pytest
from django.test import Client
from django.urls import reverse

from scenic_ops.core import audit
from scenic_ops.core.models import AuditedModel, AuditEvent, Department, Zone


@pytest.mark.django_db
def test_change_records_who_when_and_field_diff(make_user):
    manager = make_user("manager")
    with audit.acting_as(manager):
        zone = Zone.objects.create(code="summit", name="主峰", instant_capacity=2000)
        zone.instant_capacity = 1800
        zone.name = "主峰景区"
        zone.save()
    events = list(audit.history(zone).order_by("id"))
    assert [e.action for e in events] == ["create", "update"]
    change = events[1]
    assert change.actor == manager
    assert change.changes == {"instant_capacity": [2000, 1800], "name": ["主峰", "主峰景区"]}


@pytest.mark.django_db
def test_save_without_change_records_nothing_and_delete_is_recorded(make_user):
    with audit.acting_as(name="importer"):
        dept = Department.objects.create(code="it", name="信息中心")
        Department.objects.get(pk=dept.pk).save()
        pk = dept.pk
        dept.delete()
    actions = list(AuditEvent.objects.filter(object_id=str(pk)).values_list("action", "actor_name").order_by("id"))
    assert actions == [("create", "importer"), ("delete", "importer")]


@pytest.mark.django_db
def test_masked_fields_record_that_they_changed_but_not_the_value(make_user):
    from scenic_ops.core import pii

    user = make_user("engineer")
    pii.assign(user, "phone", "13905120001", kind="phone")
    user.save()
    event = audit.history(user).filter(action="update").last()
    assert event.changes["phone_enc"] == ["***", "***"]
    assert event.changes["phone_masked"] == ["", "139****0001"]
    assert "13905120001" not in str(event.changes)


@pytest.mark.django_db
def test_audit_records_cannot_be_edited_or_deleted_from_the_desk(make_user):
    admin_user = make_user("sysadmin", superuser=True)
    with audit.acting_as(admin_user):
        Zone.objects.create(code="lake", name="湖区")
    event = AuditEvent.objects.filter(action="create").latest("id")
    client = Client()
    client.force_login(admin_user)
    change_url = reverse("admin:core_auditevent_change", args=[event.pk])
    delete_url = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert client.get(change_url).status_code == 200  # viewable, read-only
    assert client.post(change_url, {"message": "tampered"}).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.message == ""
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.django_db
def test_document_history_page_shows_the_audit_trail(make_user):
    admin_user = make_user("sysadmin", superuser=True)
    with audit.acting_as(admin_user):
        zone = Zone.objects.create(code="temple", name="古寺", instant_capacity=1200)
        zone.instant_capacity = 1000
        zone.save()
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("admin:core_zone_history", args=[zone.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "instant_capacity" in body and "1200" in body and "1000" in body


@pytest.mark.django_db
def test_desk_edit_is_attributed_to_the_logged_in_user(make_user):
    admin_user = make_user("sysadmin", superuser=True)
    zone = Zone.objects.create(code="pier", name="码头", kind="station")
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:core_zone_change", args=[zone.pk])
    form = {
        "code": "pier",
        "name": "游船码头",
        "name_en": "",
        "kind": "station",
        "parent": "",
        "area_m2": 0,
        "space_per_person_m2": "0",
        "instant_capacity": 800,
        "latitude": "",
        "longitude": "",
        "sort_order": 0,
        "active": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    event = audit.history(zone).filter(action="update").get()
    assert event.actor == admin_user
    assert event.changes["name"] == ["码头", "游船码头"]


@pytest.mark.django_db(transaction=True)
def test_file_fields_are_recorded_by_their_stored_name(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.db import connection, models

    settings.MEDIA_ROOT = str(tmp_path)

    class Attachment(AuditedModel):
        title = models.CharField(max_length=20)
        document = models.FileField(upload_to="docs")

        class Meta:
            app_label = "core"

    with connection.schema_editor() as editor:
        editor.create_model(Attachment)
    try:
        item = Attachment(title="certificate")
        item.document.save("cert.pdf", ContentFile(b"%PDF-1.4"), save=False)
        item.save()
        item.document.save("cert-2027.pdf", ContentFile(b"%PDF-1.4"), save=False)
        item.save()
        changes = audit.history(item).filter(action="update").get().changes
        assert changes["document"][0].startswith("docs/cert")
        assert changes["document"][1].startswith("docs/cert-2027")
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Attachment)
