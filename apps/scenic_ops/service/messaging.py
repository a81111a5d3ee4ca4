"""Message templates of the service domain, filled safely and sent through the outbox."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from scenic_ops.service.models import MessageTemplate

# The standard texts, created by setup (editable in the desk afterwards).
DEFAULTS: dict[str, dict[str, str]] = {
    "complaint_received": {
        "name": "投诉受理回执",
        "body": "【{site}】您的{kind}已收到，编号 {code}。我们将在 {due} 前答复。查询进度：{link}",
        "body_en": "[{site}] We have received your {kind}, number {code}. We will reply by {due}. Follow it: {link}",
    },
    "complaint_replied": {
        "name": "投诉答复通知",
        "subject": "【{site}】关于您的{kind} {code} 的答复",
        "body": "【{site}】关于您的{kind}（编号 {code}）：{reply} 查看详情并评价处理结果：{link}",
        "subject_en": "[{site}] Our reply to your {kind} {code}",
        "body_en": "[{site}] About your {kind} ({code}): {reply} See it and rate our handling: {link}",
    },
    "incident_notice": {
        "name": "突发事件通报",
        "subject": "【{site}】{drill}突发事件通报：{type}（{level}）",
        "body": "【{site}】{drill}{time} {place}发生{type}（{level}）：{title}。已启动《{plan}》。现场指挥：{commander}。编号 {code}。",
        "subject_en": "[{site}] {drill}Incident notice: {type} ({level})",
        "body_en": "[{site}] {drill}{time} at {place}: {type} ({level}): {title}. Plan started: {plan}. Commander: {commander}. Ref {code}.",
    },
    "incident_task": {
        "name": "应急任务派发",
        "body": "【{site}】{drill}应急任务（{code}）：{task}，须在 {due} 前完成。请在系统中确认接收：{link}",
        "body_en": "[{site}] {drill}Emergency task ({code}): {task}, due {due}. Acknowledge it: {link}",
    },
}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: dict[str, Any]) -> str:
    """Fill `{name}` placeholders; unknown names and stray braces stay as they are (never raises)."""
    out = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return text
    values = _Safe({k: "" if v is None else str(v) for k, v in values.items()})
    for literal, name, _spec, _conv in parsed:
        out.append(literal)
        if name is not None:
            out.append(values[name] if name in values else "{" + name + "}")
    return "".join(out)


@dataclass
class Rendered:
    subject: str
    body: str


def render(
    code: str, values: dict[str, Any], *, english: bool = False, template: MessageTemplate | None = None
) -> Rendered:
    tpl = template or MessageTemplate.objects.filter(code=code, active=True).first()
    if tpl is None:
        default = DEFAULTS.get(code, {"body": code})
        subject = default.get("subject_en" if english else "subject", default.get("subject", ""))
        body = default.get("body_en" if english else "body", default["body"])
    else:
        subject = (tpl.subject_en if english and tpl.subject_en else tpl.subject) or ""
        body = tpl.body_en if english and tpl.body_en else tpl.body
    return Rendered(fill(subject, values)[:200], fill(body, values))


def site_name(english: bool = False) -> str:
    from scenic_ops.core.services import site_profile

    profile = site_profile()
    return (profile.name_en or profile.name) if english else profile.name


def absolute(path: str) -> str:
    base = str(settings.SITE.get("web", "base_url", "") or "").rstrip("/")
    return f"{base}{path}"


def ensure_defaults() -> int:
    created = 0
    for code, data in DEFAULTS.items():
        _obj, was_created = MessageTemplate.objects.get_or_create(
            code=code,
            defaults={
                "name": data["name"],
                "subject": data.get("subject", ""),
                "body": data["body"],
                "subject_en": data.get("subject_en", ""),
                "body_en": data.get("body_en", ""),
            },
        )
        created += was_created
    return created
