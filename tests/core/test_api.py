import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scenic_ops.core import apikeys, scheduling
from scenic_ops.core.models import ApiKey, AuditEvent, JobRun


@pytest.fixture
def key(db):
    scheduling.sync_schedules()
    return apikeys.issue("ops robot", kind="integration", scopes=["jobs:read", "jobs:run"])


def _post(client, path, body, **headers):
    return client.post(path, data=body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_api_key_is_stored_hashed_and_authenticates(key):
    stored = ApiKey.objects.get(pk=key.key.pk)
    assert key.secret not in (stored.key_hash, stored.prefix)
    response = Client().get("/api/v1/whoami", HTTP_X_API_KEY=key.secret)
    assert response.status_code == 200
    assert response.json() == {
        "kind": "api_key",
        "name": "ops robot",
        "key_kind": "integration",
        "scopes": ["jobs:read", "jobs:run"],
    }
    assert ApiKey.objects.get(pk=key.key.pk).last_used_at is not None
    assert Client().get("/api/v1/whoami", HTTP_AUTHORIZATION=f"ApiKey {key.secret}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["sk_000000000000_nope", "garbage", "sk_short_x", ""],
)
def test_wrong_api_key_is_a_clear_401(key, header):
    response = Client().get("/api/v1/whoami", HTTP_X_API_KEY=header or key.secret[:-1])
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    assert response["WWW-Authenticate"] == "ApiKey"


@pytest.mark.django_db
def test_revoked_and_expired_keys_are_refused(key):
    apikeys.revoke(key.key)
    assert Client().get("/api/v1/whoami", HTTP_X_API_KEY=key.secret).status_code == 401
    other = apikeys.issue("old", kind="device", scopes=["x"], expires_at=timezone.now() - timedelta(minutes=1))
    assert Client().get("/api/v1/whoami", HTTP_X_API_KEY=other.secret).json()["code"] == "invalid_api_key"


@pytest.mark.django_db
def test_missing_scope_is_a_403_with_the_scope_named_and_audited(db):
    scheduling.sync_schedules()
    reader = apikeys.issue("reader", kind="integration", scopes=["jobs:read"])
    client = Client()
    assert client.get("/api/v1/core/jobs", HTTP_X_API_KEY=reader.secret).status_code == 200
    response = _post(client, "/api/v1/core/jobs/outbox_sweep/runs", "{}", HTTP_X_API_KEY=reader.secret)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing" and "jobs:run" in response.json()["detail"]
    assert not JobRun.objects.exists()
    assert AuditEvent.objects.filter(action="permission_denied", actor_name="apikey:reader").exists()


@pytest.mark.django_db
def test_no_credentials_is_401_not_authenticated():
    response = Client().get("/api/v1/core/jobs")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"note": ', "not json", '{"note": "x"'])
def test_malformed_json_is_a_clear_400_and_changes_nothing(key, body):
    client = Client()
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "abc-1"}):
        response = _post(client, "/api/v1/core/jobs/outbox_sweep/runs", body, HTTP_X_API_KEY=key.secret, **headers)
        assert response.status_code == 400
        assert response.json()["code"] == "malformed_json"
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_validation_errors_name_the_field(key):
    response = _post(
        Client(), "/api/v1/core/jobs/outbox_sweep/runs", json.dumps({"note": "x" * 300}), HTTP_X_API_KEY=key.secret
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "note" in response.json()["fields"]
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_unknown_job_is_404_json(key):
    response = _post(Client(), "/api/v1/core/jobs/no_such_job/runs", "{}", HTTP_X_API_KEY=key.secret)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404():
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_idempotency_key_replays_the_first_answer_and_creates_nothing_new(key):
    client = Client()
    first = _post(
        client,
        "/api/v1/core/jobs/outbox_sweep/runs",
        '{"note": "a"}',
        HTTP_X_API_KEY=key.secret,
        HTTP_IDEMPOTENCY_KEY="run-2026-11-25-1",
    )
    again = _post(
        client,
        "/api/v1/core/jobs/outbox_sweep/runs",
        '{"note": "a"}',
        HTTP_X_API_KEY=key.secret,
        HTTP_IDEMPOTENCY_KEY="run-2026-11-25-1",
    )
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert JobRun.objects.count() == 1
    reused = _post(
        client,
        "/api/v1/core/jobs/outbox_sweep/runs",
        '{"note": "b"}',
        HTTP_X_API_KEY=key.secret,
        HTTP_IDEMPOTENCY_KEY="run-2026-11-25-1",
    )
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    bad = _post(
        client, "/api/v1/core/jobs/outbox_sweep/runs", "{}", HTTP_X_API_KEY=key.secret, HTTP_IDEMPOTENCY_KEY="x" * 200
    )
    assert bad.status_code == 400 and bad.json()["code"] == "idempotency_key_invalid"
    assert JobRun.objects.count() == 1


@pytest.mark.django_db
def test_idempotency_keys_are_per_caller(key):
    other = apikeys.issue("second robot", kind="integration", scopes=["jobs:run"])
    client = Client()
    for secret in (key.secret, other.secret):
        response = _post(
            client, "/api/v1/core/jobs/outbox_sweep/runs", "{}", HTTP_X_API_KEY=secret, HTTP_IDEMPOTENCY_KEY="same"
        )
        assert response.status_code == 202
    assert JobRun.objects.count() == 2


@pytest.mark.django_db
def test_rate_limit_per_key_answers_429_with_retry_after(db):
    limited = apikeys.issue("tight", kind="partner", scopes=["jobs:read"], rate_limit_per_minute=3)
    client = Client()
    codes = [client.get("/api/v1/core/jobs", HTTP_X_API_KEY=limited.secret).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    response = client.get("/api/v1/core/jobs", HTTP_X_API_KEY=limited.secret)
    assert response.json()["code"] == "rate_limited" and int(response["Retry-After"]) >= 1


@pytest.mark.django_db
def test_openapi_schema_is_valid_openapi_3():
    from openapi_spec_validator import validate

    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/core/jobs/{name}/runs" in schema["paths"]
    assert Client().get("/api/docs/").status_code == 200
