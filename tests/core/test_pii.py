import pytest
from django.test import Client

from scenic_ops.core import pii
from scenic_ops.core.models import AuditEvent, User


def test_encryption_round_trip_is_randomised_and_bound_to_its_context():
    a = pii.encrypt("320106199001011234", context="id")
    b = pii.encrypt("320106199001011234", context="id")
    assert a != b  # a fresh nonce each time
    assert pii.decrypt(a, context="id") == "320106199001011234"
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
        pii.decrypt(a, context="phone")
    tampered = a[:-1] + bytes([a[-1] ^ 1])
    with pytest.raises(Exception):  # noqa: B017
        pii.decrypt(tampered, context="id")


def test_blind_index_finds_equal_values_without_decrypting():
    assert pii.blind_index("32010619900101123x", kind="id") == pii.blind_index(" 32010619900101123X", kind="id")
    assert pii.blind_index("320106199001011234", kind="id") != pii.blind_index("320106199001011234", kind="phone")
    assert len(pii.blind_index("13905120001", kind="phone")) == 64


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("id", "320106199001011234", "3201**********1234"),
        ("id", "E12345678", "E1*****78"),
        ("phone", "13905120001", "139****0001"),
        ("name", "张三丰", "张**"),
        ("name", "Li Wei", "L* W**"),
    ],
)
def test_masking(kind, value, masked):
    assert pii.MASKERS[kind](value) == masked


@pytest.mark.django_db
def test_reveal_needs_the_permission_and_is_logged(make_user):
    clerk = make_user("ticket_clerk")
    finance = make_user("finance")
    target = make_user("engineer")
    pii.assign(target, "phone", "13905120009", kind="phone")
    target.save()
    assert User.objects.get(pk=target.pk).phone_masked == "139****0009"
    with pytest.raises(PermissionError):
        pii.reveal(target, "phone", kind="phone", user=finance, purpose="curiosity")
    assert pii.reveal(target, "phone", kind="phone", user=clerk, purpose="call back about a repair") == "13905120009"
    event = AuditEvent.objects.get(action="pii_reveal")
    assert event.actor == clerk and "call back" in event.message and event.object_id == str(target.pk)


@pytest.mark.django_db
def test_desk_shows_staff_phones_masked(make_user):
    admin_user = make_user("sysadmin", superuser=True)
    target = make_user("engineer", phone="13905120008")
    client = Client()
    client.force_login(admin_user)
    body = client.get("/admin/core/user/").content.decode()
    assert "139****0008" in body and "13905120008" not in body
    assert "13905120008" not in client.get(f"/admin/core/user/{target.pk}/change/").content.decode()
