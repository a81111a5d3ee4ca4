"""Public opinion: mentions pushed by the API or imported from xlsx/CSV, scored for sentiment,
grouped by topic; negative spikes raise one alert per rule until they subside; a mention can
become (or be linked to) a complaint.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core.models import User
from scenic_ops.service import sentiment
from scenic_ops.service.common import clean_text, users_of_roles
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import Complaint, ImportBatch, Mention, ServiceAlert, SpikeRule

TEXT_MAX = 10000
MAX_ROWS = 20000
COLUMNS = {  # accepted headers (Chinese or English) → field
    "source": "source",
    "来源": "source",
    "平台": "source",
    "id": "external_id",
    "external_id": "external_id",
    "编号": "external_id",
    "time": "published_at",
    "published_at": "published_at",
    "时间": "published_at",
    "发布时间": "published_at",
    "author": "author",
    "作者": "author",
    "用户": "author",
    "title": "title",
    "标题": "title",
    "text": "text",
    "content": "text",
    "内容": "text",
    "评论": "text",
    "rating": "rating",
    "评分": "rating",
    "url": "url",
    "链接": "url",
}
_url = URLValidator(schemes=["http", "https"])


class RowError(Exception):
    pass


def _when(value: Any, now: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        raise RowError(_("the time is missing"))
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(12, 0))
    else:
        text = str(value).strip().replace("/", "-")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise RowError(_("the time “%(value)s” is not a date and time") % {"value": text[:40]}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + dt.timedelta(minutes=10):
        raise RowError(_("the time is in the future"))
    if moment < now - dt.timedelta(days=3660):
        raise RowError(_("the time is more than ten years ago"))
    return moment


def _rating(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RowError(_("the rating “%(value)s” is not a number") % {"value": str(value)[:20]}) from None
    if not number.is_finite() or not 0 <= number <= 5:
        raise RowError(_("the rating must be between 0 and 5"))
    return number.quantize(Decimal("0.1"))


def _dedupe(source: str, external_id: str, url: str, text: str, published_at: dt.datetime) -> str:
    basis = f"{source}|id|{external_id}" if external_id else f"{source}|{url}|{published_at.isoformat()}|{text}"
    return hashlib.sha256(basis.encode()).hexdigest()


def clean_mention(data: dict[str, Any], *, default_source: str = "", now: dt.datetime) -> dict[str, Any]:
    """Check one mention; raises RowError with a readable reason."""
    if not isinstance(data, dict):
        raise RowError(_("each mention must be an object"))
    text = clean_text(data.get("text"))
    if not text:
        raise RowError(_("the text is empty"))
    if len(text) > TEXT_MAX:
        raise RowError(_("the text is longer than %(limit)d characters") % {"limit": TEXT_MAX})
    source = clean_text(data.get("source") or default_source).lower()[:40]
    if not source:
        raise RowError(_("the source is missing"))
    url = clean_text(data.get("url"))[:500]
    if url:
        try:
            _url(url)
        except ValidationError:
            raise RowError(_("the link is not an http(s) URL")) from None
    published = _when(data.get("published_at") or data.get("time"), now)
    external_id = clean_text(data.get("external_id") or data.get("id"))[:120]
    return {
        "source": source,
        "external_id": external_id,
        "published_at": published,
        "author": clean_text(data.get("author"))[:80],
        "title": clean_text(data.get("title"))[:200],
        "text": text,
        "rating": _rating(data.get("rating")),
        "url": url,
        "dedupe_key": _dedupe(source, external_id, url, text, published),
    }


def store(clean: dict[str, Any], *, batch: ImportBatch | None = None) -> tuple[Mention, bool]:
    """Score and save one checked mention; (mention, created). A repeat returns the stored one."""
    existing = Mention.objects.filter(dedupe_key=clean["dedupe_key"]).first()
    if existing is not None:
        return existing, False
    analysis = sentiment.score(
        clean["title"] + " " + clean["text"], float(clean["rating"]) if clean["rating"] is not None else None
    )
    try:
        with transaction.atomic():
            mention = Mention.objects.create(
                **clean,
                sentiment=analysis.score,
                sentiment_label=analysis.label,
                keywords=analysis.keywords,
                topics=analysis.topics,
                batch=batch,
            )
    except IntegrityError:
        return Mention.objects.get(dedupe_key=clean["dedupe_key"]), False
    return mention, True


def ingest(items: list[Any], *, default_source: str = "", now: dt.datetime | None = None) -> dict[str, Any]:
    """API push: every item gets a result line; good items are kept even when others are refused."""
    now = now or timezone.now()
    if not isinstance(items, list) or not items:
        raise ServiceError(ServiceCode.MENTION_INVALID, reason=_("send a non-empty list of mentions"))
    if len(items) > 500:
        raise ServiceError(ServiceCode.MENTION_INVALID, reason=_("at most 500 mentions per request"))
    results, created, duplicates, refused = [], 0, 0, 0
    for index, item in enumerate(items):
        try:
            clean = clean_mention(item, default_source=default_source, now=now)
        except RowError as exc:
            refused += 1
            results.append({"index": index, "status": "refused", "reason": str(exc)})
            continue
        mention, was_created = store(clean)
        created += was_created
        duplicates += not was_created
        results.append(
            {
                "index": index,
                "status": "created" if was_created else "duplicate",
                "id": mention.pk,
                "sentiment": mention.sentiment,
                "label": mention.sentiment_label,
            }
        )
    return {"created": created, "duplicates": duplicates, "refused": refused, "results": results}


# --- file import -----------------------------------------------------------------------------


def read_rows(name: str, content: bytes) -> list[dict[str, Any]]:
    """Rows of an xlsx or CSV file as dicts keyed by our field names (unknown columns ignored)."""
    lower = name.lower()
    try:
        if lower.endswith(".xlsx"):
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            raw = [list(r) for r in sheet.iter_rows(values_only=True)]
        elif lower.endswith(".csv") or lower.endswith(".txt"):
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    text = content.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise ServiceError(ServiceCode.IMPORT_FILE_INVALID, reason=_("unknown text encoding"))
            raw = list(csv.reader(io.StringIO(text)))
        else:
            raise ServiceError(ServiceCode.IMPORT_FILE_INVALID, reason=_("the file name must end in .xlsx or .csv"))
    except ServiceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file is a user's error, reported as such
        raise ServiceError(ServiceCode.IMPORT_FILE_INVALID, reason=type(exc).__name__) from None
    if not raw:
        raise ServiceError(ServiceCode.IMPORT_FILE_INVALID, reason=_("the file is empty"))
    header = [COLUMNS.get(str(h or "").strip().lower(), COLUMNS.get(str(h or "").strip(), "")) for h in raw[0]]
    if "text" not in header:
        raise ServiceError(ServiceCode.IMPORT_FILE_INVALID, reason=_("no text/内容 column in the first row"))
    if len(raw) - 1 > MAX_ROWS:
        raise ServiceError(ServiceCode.IMPORT_FILE_INVALID, reason=_("more than %(n)d rows") % {"n": MAX_ROWS})
    rows = []
    for values in raw[1:]:
        if not any(v not in (None, "") for v in values):
            rows.append(None)  # a blank line keeps its row number
            continue
        rows.append({field: values[i] if i < len(values) else None for i, field in enumerate(header) if field})
    return rows


def queue_import(upload, *, default_source: str = "", user: User | None = None) -> ImportBatch:
    """Keep the file and import it in an RQ job (progress and the row report show in the desk)."""
    name = getattr(upload, "name", "upload")
    batch = ImportBatch.objects.create(
        file=upload, file_name=str(name)[:200], default_source=clean_text(default_source)[:40], uploaded_by=user
    )

    def _enqueue() -> None:
        import django_rq

        django_rq.get_queue("low").enqueue(import_task, batch.pk, job_timeout=1800)

    transaction.on_commit(_enqueue)
    return batch


def import_task(batch_id: int) -> str:
    batch = ImportBatch.objects.get(pk=batch_id)
    return run_import(batch)


def run_import(batch: ImportBatch, *, now: dt.datetime | None = None) -> str:
    """Import every good row; every refused row gets a line (row number and reason). Idempotent: rows
    already imported count as duplicates when the file is run again."""
    now = now or timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    try:
        with batch.file.open("rb") as handle:
            content = handle.read()
        rows = read_rows(batch.file_name, content)
    except ServiceError as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=exc.detail[:500], finished_at=timezone.now()
        )
        return exc.detail
    report, imported, duplicates = [], 0, 0
    total = sum(1 for r in rows if r is not None)
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if row is None:
            continue
        try:
            clean = clean_mention(row, default_source=batch.default_source, now=now)
        except RowError as exc:
            report.append({"row": number, "reason": str(exc), "text": str(row.get("text") or "")[:60]})
            continue
        _mention, created = store(clean, batch=batch)
        imported += created
        duplicates += not created
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.DONE,
        total_rows=total,
        imported=imported,
        duplicates=duplicates,
        rejected=len(report),
        report=report,
        finished_at=timezone.now(),
    )
    return f"{imported} imported, {duplicates} already there, {len(report)} refused"


# --- spikes --------------------------------------------------------------------------------


def check_spikes(*, now: dt.datetime | None = None) -> list[ServiceAlert]:
    """Each active rule: negative mentions published in the last window ≥ threshold (and share) →
    one open alert for the rule; it clears when the window falls below the threshold again."""
    now = now or timezone.now()
    raised = []
    for rule in SpikeRule.objects.filter(active=True):
        since = now - dt.timedelta(minutes=rule.window_minutes)
        qs = Mention.objects.filter(published_at__gt=since, published_at__lte=now)
        if rule.source:
            qs = qs.filter(source=rule.source)
        counts = qs.aggregate(total=Count("id"), negative=Count("id", filter=Q(sentiment_label="negative")))
        negative, total = counts["negative"], counts["total"]
        share = negative * 100 / total if total else 0
        key = f"opinion_spike:{rule.pk}"
        if negative >= rule.threshold and share >= rule.min_share_percent:
            if ServiceAlert.objects.filter(open_key=key).exists():
                continue
            keywords = top_keywords(qs.filter(sentiment_label="negative"), limit=5)
            try:
                with transaction.atomic():
                    alert = ServiceAlert.objects.create(
                        kind=ServiceAlert.Kind.OPINION_SPIKE,
                        open_key=key,
                        subject=_("Negative opinion spike: %(rule)s") % {"rule": rule.name},
                        detail=_(
                            "%(negative)d negative of %(total)d mentions in the last %(minutes)d minutes. Topics: %(words)s"
                        )
                        % {
                            "negative": negative,
                            "total": total,
                            "minutes": rule.window_minutes,
                            "words": "、".join(keywords) or "-",
                        },
                        data={"rule": rule.pk, "negative": negative, "total": total, "keywords": keywords},
                        raised_at=now,
                    )
            except IntegrityError:
                continue
            _notify(rule, alert)
            raised.append(alert)
        else:
            ServiceAlert.objects.filter(open_key=key).update(open_key=None, cleared_at=now)
    return raised


def _notify(rule: SpikeRule, alert: ServiceAlert) -> None:
    from scenic_ops.workflow.services.notifications import notify_in_app

    for user in users_of_roles(rule.notify_roles or ["service_agent", "manager"]):
        notify_in_app(
            user,
            alert.subject,
            alert.detail,
            event="opinion_spike",
            link="/admin/service/opiniondashboard/",
            dedupe_key=f"service:alert:{alert.pk}:{user.pk}",
        )


def top_keywords(queryset, *, limit: int = 10) -> list[str]:
    counts: dict[str, int] = {}
    for words in queryset.values_list("keywords", flat=True)[:2000]:
        for word in words or []:
            counts[word] = counts.get(word, 0) + 1
    return [w for w, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


# --- mentions and complaints -------------------------------------------------------------------


def link_to_complaint(mention: Mention, complaint: Complaint | None, user: User | None = None) -> Mention:
    Mention.objects.filter(pk=mention.pk).update(complaint=complaint)
    mention.complaint = complaint
    return mention


def complaint_from_mention(mention: Mention, user: User, *, category: Any = None) -> Complaint:
    """Turn a review into a complaint to be handled (channel: OTA review / public opinion), linked back."""
    from scenic_ops.service import complaints

    if mention.complaint_id:
        return mention.complaint
    ota = {"ctrip", "meituan", "dianping", "qunar", "fliggy", "tongcheng", "携程", "美团", "大众点评", "去哪儿", "飞猪"}
    with transaction.atomic():
        complaint = complaints.file_complaint(
            description=(mention.text + (f"\n{mention.url}" if mention.url else ""))[:2000],
            subject=mention.title or "",
            channel=Complaint.Channel.OTA_REVIEW if mention.source in ota else Complaint.Channel.OPINION,
            category=category,
            external_ref=(mention.external_id or "")[:60],
            severity=Complaint.Severity.NORMAL,
            entered_by=user,
        )
        link_to_complaint(mention, complaint, user)
    return complaint
