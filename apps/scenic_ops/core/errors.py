"""Domain errors: a stable code, a readable zh/en message, an HTTP status for the API.

Each domain declares its codes in its own `errors.py` as a `str` Enum, its messages in a
dict and, in another, the HTTP status of the codes that are not a 400; its error class
names both (`messages`, `statuses`); services raise `DomainError(Code.X)`; the API turns
it into `{"code": "x", "detail": "..."}`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A domain's error class declares its `messages` and, where a code is not a 400, its `statuses`."""

    status = 400
    messages: dict[str, Any] = {}
    statuses: dict[str, int] = {}

    def __init__(
        self,
        code: str,
        detail: str | Promise | None = None,
        *,
        status: int | None = None,
        **context: Any,
    ) -> None:
        self.code = str(code)
        self.context = context
        if status is None:
            status = self.statuses.get(self.code)
        if status is not None:
            self.status = status
        template = detail if detail is not None else self.messages.get(self.code, self.code)
        self._template = template
        super().__init__(self.code)

    @property
    def detail(self) -> str:
        text = str(self._template)
        try:
            return text.format(**self.context) if self.context else text
        except (KeyError, IndexError, ValueError):
            return text

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "detail": self.detail}
        extra = {k: v for k, v in self.context.items() if isinstance(v, str | int | float | bool | list | dict)}
        if extra:
            data["context"] = extra
        return data

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class CoreCode(StrEnum):
    INVALID = "invalid"
    MALFORMED_JSON = "malformed_json"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_API_KEY = "invalid_api_key"
    PERMISSION_DENIED = "permission_denied"
    SCOPE_MISSING = "scope_missing"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    DATABASE_UNAVAILABLE = "database_unavailable"
    SERVER_ERROR = "server_error"


CORE_MESSAGES = {
    CoreCode.INVALID: _("The request is not valid."),
    CoreCode.MALFORMED_JSON: _("The request body is not valid JSON."),
    CoreCode.NOT_AUTHENTICATED: _("Authentication is required: send an API key or log in."),
    CoreCode.INVALID_API_KEY: _("The API key is unknown, revoked or expired."),
    CoreCode.PERMISSION_DENIED: _("You are not allowed to do this."),
    CoreCode.SCOPE_MISSING: _("The API key lacks the scope this call needs: {scope}."),
    CoreCode.NOT_FOUND: _("Not found."),
    CoreCode.METHOD_NOT_ALLOWED: _("This method is not allowed here."),
    CoreCode.UNSUPPORTED_MEDIA_TYPE: _("Send the body as application/json."),
    CoreCode.RATE_LIMITED: _("Too many requests; retry after {retry_after} seconds."),
    CoreCode.IDEMPOTENCY_KEY_REUSED: _("This Idempotency-Key was already used with a different request."),
    CoreCode.IDEMPOTENCY_KEY_INVALID: _("The Idempotency-Key must be 1 to 128 visible ASCII characters."),
    CoreCode.IDEMPOTENCY_IN_PROGRESS: _("A request with this Idempotency-Key is still being processed."),
    CoreCode.DATABASE_UNAVAILABLE: _("The database is unavailable; please retry shortly."),
    CoreCode.SERVER_ERROR: _("An unexpected error occurred; it has been logged."),
}


class CoreError(DomainError):
    messages = CORE_MESSAGES
