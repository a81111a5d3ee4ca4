"""Gateways that deliver outbox messages. Pick them per site in `[gateways]`.

The development gateways record SMS and email in the desk instead of sending them.
Webhook and WeCom robot gateways make real HTTP calls.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from functools import lru_cache
from typing import Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from scenic_ops.core import pii
from scenic_ops.core.models import OutboxMessage, RecordedMessage

DEFAULT_GATEWAYS = {
    "sms": "scenic_ops.core.gateways.RecordingSmsGateway",
    "email": "scenic_ops.core.gateways.RecordingEmailGateway",
    "wecom": "scenic_ops.core.gateways.HttpWeComGateway",
    "webhook": "scenic_ops.core.gateways.HttpWebhookGateway",
}
HTTP_TIMEOUT = 5


class GatewayError(Exception):
    """Delivery failed; the outbox will retry."""


class Gateway(Protocol):
    def send(self, message: OutboxMessage, target: str) -> str:
        """Deliver the message to `target`; return the provider's reference or raise GatewayError."""


@lru_cache(maxsize=8)
def _gateway_class(path: str) -> type:
    return import_string(path)


def for_channel(channel: str) -> Gateway:
    path = getattr(settings, "SCENIC_GATEWAYS", {}).get(channel) or DEFAULT_GATEWAYS[channel]
    return _gateway_class(path)()


class _Recording:
    channel = ""
    kind = ""

    def send(self, message: OutboxMessage, target: str) -> str:
        recorded = RecordedMessage.objects.create(
            channel=self.channel,
            target_display=pii.MASKERS[self.kind](target) if self.kind else target,
            target_index=pii.blind_index(target, kind=self.kind or self.channel),
            subject=message.subject,
            body=message.body,
            outbox=message,
        )
        return f"recorded:{recorded.pk}"


class RecordingSmsGateway(_Recording):
    channel = "sms"
    kind = "phone"


class RecordingEmailGateway(_Recording):
    channel = "email"
    kind = ""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class HttpWebhookGateway:
    """POST the payload as JSON; signed with HMAC-SHA256 when the payload names a secret."""

    def send(self, message: OutboxMessage, target: str) -> str:
        payload = dict(message.payload)
        secret = payload.pop("_signing_secret", "")
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Scenic-Message-Id": str(message.pk),
            "X-Scenic-Timestamp": timestamp,
        }
        if secret:
            headers["X-Scenic-Signature"] = sign(secret, timestamp, body)
        try:
            response = requests.post(target, data=body, headers=headers, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise GatewayError(f"HTTP {response.status_code}: {response.text[:200]}")
        return response.headers.get("X-Request-Id", f"http:{response.status_code}")


class HttpWeComGateway:
    """A WeCom (企业微信) group robot: markdown text to its webhook URL."""

    def send(self, message: OutboxMessage, target: str) -> str:
        content = f"**{message.subject}**\n{message.body}" if message.subject else message.body
        try:
            response = requests.post(
                target, json={"msgtype": "markdown", "markdown": {"content": content}}, timeout=HTTP_TIMEOUT
            )
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise GatewayError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200 or data.get("errcode") != 0:
            raise GatewayError(f"WeCom answered {response.status_code}: {data}")
        return "wecom:ok"
