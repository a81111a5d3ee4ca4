"""Document types that workflows can drive, registered by the domain that owns them.

A domain registers its document model once, from its AppConfig.ready() or from a
`workflow_types.py` module (autodiscovered by the workflow app):

    from scenic_ops.workflow import registry

    registry.register(
        RepairTicket,
        state_field="state",            # a CharField the engine owns (read-only in forms)
        requester_field="reported_by",  # who raised it: self-approval, "requester's manager"
        department_field="department",  # "head of the document's department"
        priority_field="priority",      # picks the SLA target
        zone_field="zone", skill_field="skill",   # zone/skill assignment
        on_event=operations.services.on_workflow_event,   # the domain reacts to transitions
    )

Everything except the model is optional. Conditions and message templates may use the
model's concrete fields (personal-data columns excluded) plus `extra_names`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.urls import NoReverseMatch, reverse

HIDDEN_SUFFIXES = ("_enc", "_index")
HIDDEN_NAMES = {"password"}


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    kind: str  # str | int | decimal | float | bool | date | datetime | user | object
    choices: tuple[str, ...] = ()
    is_user: bool = False

    def sample(self) -> Any:
        """A plausible value, used to try an expression when it is saved."""
        if self.choices:
            return self.choices[0]
        return {
            "int": 1,
            "decimal": Decimal("1.00"),
            "float": 1.0,
            "bool": True,
            "date": dt.date(2026, 1, 5),
            "datetime": dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        }.get(self.kind, "x")


@dataclass
class DocumentType:
    model: type[models.Model]
    state_field: str = "state"
    requester_field: str | None = None
    department_field: str | None = None
    priority_field: str | None = None
    zone_field: str | None = None
    skill_field: str | None = None
    title: Callable[[Any], str] | None = None
    url: Callable[[Any], str] | None = None
    on_event: Callable[[Any], None] | None = None
    extra_names: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    summary: tuple[str, ...] = ()  # fields shown on approvals-inbox cards

    @property
    def key(self) -> str:
        return key_of(self.model)

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    def fields(self) -> dict[str, FieldInfo]:
        """Names a condition or template may use, with their kinds."""
        cached = self.__dict__.get("_fields")
        if cached is None or cached[0] != tuple(self.extra_names):
            cached = (tuple(self.extra_names), self._build_fields())
            self.__dict__["_fields"] = cached
        return cached[1]

    def _build_fields(self) -> dict[str, FieldInfo]:
        masked = set(getattr(self.model, "audit_masked", ()))
        out: dict[str, FieldInfo] = {}
        for f in self.model._meta.concrete_fields:
            if f.name in HIDDEN_NAMES or f.name in masked or f.name.endswith(HIDDEN_SUFFIXES):
                continue
            if isinstance(f, models.BinaryField):
                continue
            label = str(f.verbose_name)
            if f.is_relation:
                is_user = f.related_model is not None and f.related_model._meta.label_lower == "core.user"
                out[f.name] = FieldInfo(f.name, label, "user" if is_user else "object", is_user=is_user)
                out[f.attname] = FieldInfo(f.attname, label, "int")
                continue
            choices = tuple(str(value) for value, _ in f.choices or ())
            out[f.name] = FieldInfo(f.name, label, _kind(f), choices)
        for name in self.extra_names:
            out[name] = FieldInfo(name, name, "str")
        return out

    def user_fields(self) -> list[str]:
        return [name for name, info in self.fields().items() if info.is_user]

    def values(self, document: Any) -> dict[str, Any]:
        """The document's values as conditions see them (related objects as text)."""
        out: dict[str, Any] = {}
        for name, info in self.fields().items():
            if name in self.extra_names:
                out[name] = self.extra_names[name](document)
            elif info.kind in ("user", "object"):
                related = getattr(document, name, None)
                out[name] = str(related) if related is not None else None
            else:
                out[name] = getattr(document, name, None)
        return out

    def display_values(self, document: Any) -> dict[str, Any]:
        """Like values(), but choices shown by their labels (for messages)."""
        out = self.values(document)
        for f in self.model._meta.concrete_fields:
            if f.name not in out:
                continue
            if f.choices:
                out[f.name] = getattr(document, f"get_{f.name}_display")()
            elif isinstance(f, models.DecimalField) and out[f.name] is not None:
                out[f.name] = f.to_python(out[f.name])
        return out

    def summary_of(self, document: Any) -> list[tuple[str, str]]:
        """(label, text) pairs for an inbox card."""
        from scenic_ops.workflow.templating import format_value

        names = self.summary or tuple(n for n in (self.priority_field, self.department_field) if n)
        values = self.display_values(document)
        infos = self.fields()
        return [
            (infos[n].label, format_value(values.get(n)))
            for n in names
            if n in infos and values.get(n) not in (None, "")
        ]

    def title_of(self, document: Any) -> str:
        return (self.title(document) if self.title else str(document))[:200]

    def url_of(self, document: Any) -> str:
        if self.url:
            return self.url(document)
        meta = self.model._meta
        try:
            return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[document.pk])
        except NoReverseMatch:
            return ""

    def requester_of(self, document: Any):
        return getattr(document, self.requester_field, None) if self.requester_field else None

    def department_of(self, document: Any):
        return getattr(document, self.department_field, None) if self.department_field else None


def _kind(f: models.Field) -> str:
    if isinstance(f, models.BooleanField):
        return "bool"
    if isinstance(f, models.DecimalField):
        return "decimal"
    if isinstance(f, models.FloatField):
        return "float"
    if isinstance(f, models.IntegerField | models.AutoField):
        return "int"
    if isinstance(f, models.DateTimeField):
        return "datetime"
    if isinstance(f, models.DateField):
        return "date"
    return "str"


_types: dict[str, DocumentType] = {}


def key_of(model_or_doc: Any) -> str:
    meta = model_or_doc._meta
    return f"{meta.app_label}.{meta.model_name}"


def register(model: type[models.Model], **options: Any) -> DocumentType:
    """Let workflows drive `model`. Idempotent; the last registration wins."""
    doc_type = DocumentType(model=model, **options)
    names = {f.name for f in model._meta.concrete_fields}
    for option in ("state_field", "requester_field", "department_field", "priority_field", "zone_field", "skill_field"):
        value = getattr(doc_type, option)
        if value and value not in names:
            raise ValueError(f"workflow.register({model.__name__}): {option}={value!r} is not a field of the model")
    state = model._meta.get_field(doc_type.state_field)
    if not isinstance(state, models.CharField):
        raise ValueError(f"workflow.register({model.__name__}): the state field must be a CharField")
    _types[doc_type.key] = doc_type
    return doc_type


def get(key: str) -> DocumentType | None:
    return _types.get(key)


def of(document: Any) -> DocumentType | None:
    return _types.get(key_of(document))


def all_types() -> dict[str, DocumentType]:
    return dict(_types)


def choices() -> list[tuple[str, str]]:
    return sorted(((key, f"{t.label} ({key})") for key, t in _types.items()), key=lambda c: c[0])
