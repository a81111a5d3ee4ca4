"""Each role sees exactly what the permission matrix (fixtures/permissions/*.toml) allows."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from scenic_ops.core.roles import load_matrix

MATRIX = load_matrix()
ROLE_CODES = [r["code"] for r in MATRIX.roles]


def _admin_models():
    for model, model_admin in admin.site._registry.items():
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        yield key, model, model_admin


def test_matrix_names_only_real_roles_and_models():
    from django.apps import apps

    for key in MATRIX.models:
        app_label, model = key.split(".")
        assert apps.get_model(app_label, model), f"{key} is in the permission matrix but is no model"


def test_every_desk_model_is_in_the_matrix():
    missing = [key for key, *_ in _admin_models() if key not in MATRIX.models]
    assert not missing, f"add these models to fixtures/permissions/*.toml: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_CODES)
def test_role_sees_exactly_its_desk_pages(role, make_user):
    user = make_user(role)
    client = Client()
    client.force_login(user)
    for key, model, model_admin in _admin_models():
        letters = MATRIX.models.get(key, {}).get(role, "")
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        can_see = "v" in letters or "c" in letters
        status = changelist.status_code
        if can_see and status == 302:  # a desk entry that forwards to its own page (e.g. the approvals inbox)
            assert "/login/" not in changelist["Location"], f"{role} on {key} sent to the login page"
        else:
            assert status == (200 if can_see else 403), f"{role} on {key} list: {status}"
        # Some desks refuse adding by design (logs, the single site profile): the matrix can only narrow that.
        add_allowed = "a" in letters and model_admin.has_add_permission(_as(user))
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == (200 if add_allowed else 403), f"{role} add {key}: {add.status_code}"
        if "a" not in letters:
            assert not model_admin.has_add_permission(_as(user))


def _as(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.django_db
def test_role_without_desk_rights_is_refused_and_logged(make_user):
    from scenic_ops.core.models import AuditEvent

    auditor = make_user("security_auditor")
    client = Client()
    client.force_login(auditor)
    assert client.get(reverse("admin:core_user_add")).status_code == 403
    denial = AuditEvent.objects.filter(action="permission_denied", actor=auditor).first()
    assert denial is not None and "/admin/core/user/add/" in denial.message


@pytest.mark.django_db
def test_load_roles_is_idempotent_and_resets_manual_grants(roles):
    from django.contrib.auth.models import Permission

    from scenic_ops.core.models import Role
    from scenic_ops.core.roles import sync_roles

    clerk = Role.objects.get(code="ticket_clerk").group
    before = set(clerk.permissions.values_list("codename", flat=True))
    clerk.permissions.add(Permission.objects.get(codename="delete_user"))
    sync_roles()
    sync_roles()
    assert set(clerk.permissions.values_list("codename", flat=True)) == before
    assert Role.objects.count() == len(ROLE_CODES) == 14
