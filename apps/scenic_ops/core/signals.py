"""Authentication events from Django and django-axes, recorded in the audit trail."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from scenic_ops.core import audit
from scenic_ops.core.models import AuditEvent


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    audit.record(AuditEvent.Action.LOGIN, user, actor=audit.Actor(user.pk, user.get_username(), _ip(request)))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit.record(AuditEvent.Action.LOGOUT, user, actor=audit.Actor(user.pk, user.get_username(), _ip(request)))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    name = str(credentials.get("username", ""))[:150]
    audit.record(AuditEvent.Action.LOGIN_FAILED, actor=audit.Actor(None, name, _ip(request)), message=name)


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    audit.record(
        AuditEvent.Action.LOCKED_OUT,
        actor=audit.Actor(None, str(username or "")[:150], ip_address),
        message=str(username or ""),
    )
