"""Safety warnings from other domains (equipment alarms, fire, weather) reach staff and the public pages."""

import pytest
from django.test import Client

from scenic_ops.flow import selectors
from scenic_ops.flow.models import SafetyWarning
from scenic_ops.flow.services import clear_safety_warning, raise_safety_warning


@pytest.mark.django_db
def test_a_warning_is_raised_once_per_source_shown_publicly_and_cleared(site, make_user):
    from scenic_ops.workflow.models import Notification

    manager = make_user("manager")
    first = raise_safety_warning(source="operations.alarm:7", reason="索道上站风速超限，索道暂停运营", level="orange")
    again = raise_safety_warning(source="operations.alarm:7", reason="索道上站风速超限，索道暂停运营", level="red")
    assert first.pk == again.pk
    assert SafetyWarning.objects.get().level == 3  # escalated, still one warning
    assert Notification.objects.filter(recipient=manager).count() == 1  # told once

    selectors.forget_status()
    status = Client().get("/api/v1/flow/public/status").json()
    assert status["banner"]["zh"].startswith("索道上站风速超限")
    assert status["banner"]["level"] == "red"
    assert status["alerts"][0]["kind"] == "safety"

    assert clear_safety_warning(source="operations.alarm:7") is True
    assert clear_safety_warning(source="operations.alarm:7") is False
    selectors.forget_status()
    status = Client().get("/api/v1/flow/public/status").json()
    assert all(alert["kind"] != "safety" for alert in status["alerts"])
    # a new alarm from the same source later is a new warning
    raise_safety_warning(source="operations.alarm:7", reason="再次超限", level="yellow")
    assert SafetyWarning.objects.count() == 2


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="unknown safety warning level"):
        raise_safety_warning(source="x", reason="y", level="purple")
