import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from scenic_ops.core.models import AuditEvent


def _login(client, username, password, token=""):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "otp_token": token})


@pytest.mark.django_db
def test_successful_and_failed_logins_are_audited(make_user):
    user = make_user("ticket_clerk")
    client = Client()
    assert _login(client, user.username, "wrong-password").status_code == 200
    assert _login(client, user.username, "pw-Test-2026").status_code == 302
    actions = list(AuditEvent.objects.filter(actor_name=user.username).values_list("action", flat=True).order_by("id"))
    assert actions == ["login_failed", "login"]


@pytest.mark.django_db
def test_account_locks_after_five_failures_even_with_the_right_password(make_user):
    user = make_user("finance")
    client = Client()
    for _ in range(5):
        _login(client, user.username, "not-it")
    locked = _login(client, user.username, "pw-Test-2026")
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    assert AuditEvent.objects.filter(action="locked_out", actor_name=user.username).exists()
    other = make_user("finance")
    assert _login(Client(), other.username, "pw-Test-2026").status_code == 302  # only that account is locked


@pytest.mark.django_db
def test_staff_with_totp_device_needs_the_code(make_user):
    user = make_user("manager")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    refused = _login(client, user.username, "pw-Test-2026")
    assert refused.status_code == 200
    assert "authenticator" in refused.content.decode() or "验证" in refused.content.decode()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert _login(client, user.username, "pw-Test-2026", code).status_code == 302
