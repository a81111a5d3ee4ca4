"""Personal data across the domains: one person's, for a PIPL access request (个人信息查阅、复制), and
a class of it past its retention period, for the purge job.

No domain reads another's tables: governance asks, each domain that keeps personal data answers
for its own rows. A domain listens to `core.person_data_requested` in its `hooks.py` and returns
sections (`Section`) of the rows found by the person's blind indexes; values are the masked ones
the desk shows. The hook is strict: a domain that fails to answer fails the export, so an export
is never silently incomplete. In the same way a domain that keeps a class of personal data listens
to `core.retention_due` and clears its own records older than the cut-off; governance owns the
policies, runs the job and keeps the destruction log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from scenic_ops.core import hooks, pii

PERSON_DATA_REQUESTED = hooks.define(
    "core.person_data_requested",
    ("phone_index", "id_index", "now"),
    doc="A person's data is requested (PIPL): return your sections of their rows.",
    strict=True,
)


RETENTION_DUE = hooks.define(
    "core.retention_due",
    ("data_class", "cutoff", "now"),
    doc="Personal data of this class older than the cut-off must go: clear yours, return how many records.",
    strict=True,
)


@dataclass
class Section:
    domain: str
    title: str  # what the rows are, in English (the export is a file, not a page)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"domain": self.domain, "title": self.title, "rows": self.rows}


def person_sections(*, phone: str = "", id_number: str = "", now: dt.datetime) -> list[Section]:
    """Every domain's sections for the person with this phone number and/or ID number."""
    phone_index = pii.blind_index(phone, kind="phone") if phone else ""
    id_index = pii.blind_index(id_number, kind="id") if id_number else ""
    sections: list[Section] = []
    for answer in hooks.emit(PERSON_DATA_REQUESTED, phone_index=phone_index, id_index=id_index, now=now):
        sections.extend(s for s in answer or () if s.rows)
    return sections


def purge(data_class: str, *, cutoff: dt.datetime, now: dt.datetime) -> dict[str, int]:
    """Every domain clears its records of this class older than `cutoff`: {domain: records}."""
    counts: dict[str, int] = {}
    for answer in hooks.emit(RETENTION_DUE, data_class=data_class, cutoff=cutoff, now=now):
        for domain, n in (answer or {}).items():
            counts[domain] = counts.get(domain, 0) + int(n)
    return counts


def when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
