"""Warning levels: evaluate the load, change levels with hysteresis, and act on a change.

On entering a level, the configured actions run in the same transaction (messages leave
through the outbox after commit): staff of the chosen roles are notified, a banner is
published on the public pages and screens, an SMS broadcast is queued, today's remaining
sales are stopped (and resumed when the level drops below the chosen level again), and the
provincial platforms get an immediate report. Every change is logged with its cause.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scenic_ops.core import audit, hooks, outbox
from scenic_ops.core.models import User, Zone
from scenic_ops.flow import live, selectors
from scenic_ops.flow.hooks import LEVEL_CHANGED, LEVELS_STANDING, SALES_HALT_CHANGED
from scenic_ops.flow.models import Level, LevelChange, LevelState, SalesHalt, WarningPolicy
from scenic_ops.flow.models.counts import SITE_KEY
from scenic_ops.flow.models.levels import LEVEL_CODES

log = logging.getLogger(__name__)


def next_level(
    current: int,
    load: float,
    thresholds: tuple[int, int, int],
    hysteresis: float,
    *,
    held_seconds: float,
    min_hold_seconds: float,
) -> int:
    """Rise at once to the highest threshold reached; fall only below threshold − hysteresis, after the hold time."""
    target = sum(1 for threshold in thresholds if load >= threshold)
    if target >= current:
        return target
    if held_seconds < min_hold_seconds:
        return current
    level = current
    while level > Level.NORMAL and load < thresholds[level - 1] - hysteresis:
        level -= 1
    return level


@dataclass
class Scope:
    key: int
    zone: Zone | None
    count: int
    capacity: int
    load: float
    measure: str


def scopes(now: dt.datetime, site_policy: WarningPolicy) -> list[Scope]:
    from scenic_ops.core.services import site_profile

    day = timezone.localdate(now)
    figures = selectors.counts(day)
    corrections = selectors.adjustments(day)

    def present(key: int) -> int:
        entry = figures.get(key, {"entries": 0, "exits": 0})
        return max(0, entry["entries"] - entry["exits"] + corrections.get(key, 0))

    profile = site_profile()
    in_park = present(SITE_KEY)
    entries = max(0, figures.get(SITE_KEY, {"entries": 0})["entries"])
    instant = (
        selectors.percent(in_park, profile.max_instant_capacity),
        in_park,
        profile.max_instant_capacity,
        "instant",
    )
    daily = (selectors.percent(entries, profile.max_daily_capacity), entries, profile.max_daily_capacity, "daily")
    basis = site_policy.basis
    options = (
        [instant]
        if basis == WarningPolicy.Basis.INSTANT
        else [daily]
        if basis == WarningPolicy.Basis.DAILY
        else [instant, daily]
    )
    options = [o for o in options if o[2] > 0]
    out: list[Scope] = []
    if options:
        load, count, capacity, measure = max(options, key=lambda o: o[0])
        out.append(Scope(SITE_KEY, None, count, capacity, load, measure))
    for zone in Zone.objects.filter(active=True, kind__in=selectors.OCCUPANCY_KINDS, instant_capacity__gt=0):
        count = present(zone.pk)
        out.append(
            Scope(
                zone.pk, zone, count, zone.instant_capacity, selectors.percent(count, zone.instant_capacity), "instant"
            )
        )
    return out


def site_policy() -> WarningPolicy:
    policy = WarningPolicy.objects.filter(scope_key=SITE_KEY).first()
    if policy is None:
        try:
            with transaction.atomic():
                policy = WarningPolicy.objects.create()
        except IntegrityError:
            policy = WarningPolicy.objects.get(scope_key=SITE_KEY)
    return policy


def evaluate(*, now: dt.datetime | None = None) -> list[LevelChange]:
    """Check every scope's load against its thresholds; returns the level changes made."""
    now = now or timezone.now()
    site = site_policy()
    policies = {p.scope_key: p for p in WarningPolicy.objects.filter(active=True)}
    if not site.active:
        return []
    changes = []
    for scope in scopes(now, site):
        policy = policies.get(scope.key, site)
        change = _step(scope, policy, site, now)
        if change is not None:
            changes.append(change)
    return changes


def evaluate_task() -> int:
    """RQ job queued (coalesced) after counts change."""
    with translation.override(None):
        return len(evaluate())


def _state(scope: Scope, now: dt.datetime) -> LevelState:
    state = LevelState.objects.select_for_update().filter(scope_key=scope.key).first()
    if state is None:
        try:
            with transaction.atomic():
                LevelState.objects.create(scope_key=scope.key, zone=scope.zone, since=now, checked_at=now)
        except IntegrityError:
            pass
        state = LevelState.objects.select_for_update().get(scope_key=scope.key)
    return state


def _cause(scope: Scope, old: int, new: int, policy: WarningPolicy) -> str:
    what = _("in the park") if scope.measure == "instant" else _("entries today")
    if scope.zone is not None:
        what = _("at {zone}").format(zone=scope.zone.name)
    if new > old:
        rule = _("reached the {level} threshold of {threshold} %").format(
            level=Level(new).label, threshold=policy.thresholds[new - 1]
        )
    else:
        rule = _("fell below {threshold} % ({level} threshold less {hysteresis} points of hysteresis)").format(
            threshold=policy.thresholds[old - 1] - policy.hysteresis_percent,
            level=Level(old).label,
            hysteresis=policy.hysteresis_percent,
        )
    return _("{count} {what} of {capacity} ({load} %) {rule}").format(
        count=scope.count, what=what, capacity=scope.capacity, load=scope.load, rule=rule
    )[:300]


def _step(scope: Scope, policy: WarningPolicy, site: WarningPolicy, now: dt.datetime) -> LevelChange | None:
    with transaction.atomic():
        state = _state(scope, now)
        new = next_level(
            state.level,
            scope.load,
            policy.thresholds,
            policy.hysteresis_percent,
            held_seconds=(now - state.since).total_seconds(),
            min_hold_seconds=policy.min_hold_seconds,
        )
        state.load_percent = round(scope.load, 1)
        state.checked_at = now
        if new == state.level:
            state.save(update_fields=["load_percent", "checked_at"])
            return None
        old = state.level
        change = LevelChange.objects.create(
            scope_key=scope.key,
            zone=scope.zone,
            at=now,
            from_level=old,
            to_level=new,
            load_percent=round(scope.load, 1),
            count=scope.count,
            capacity=scope.capacity,
            cause=_cause(scope, old, new, policy),
        )
        state.level, state.since = new, now
        state.save(update_fields=["level", "since", "load_percent", "checked_at"])
        change.actions = act(change, policy, site, now=now)
        change.save(update_fields=["actions"])
        live.changed(evaluate=False)
        return change


def _crossed(change: LevelChange, level: int) -> str | None:
    """'up' when the change entered `level` (or above) from below it, 'down' when it left it."""
    if not level:
        return None
    if change.from_level < level <= change.to_level:
        return "up"
    if change.to_level < level <= change.from_level:
        return "down"
    return None


def act(change: LevelChange, policy: WarningPolicy, site: WarningPolicy, *, now: dt.datetime) -> list[str]:
    actions: list[str] = []
    place = change.zone.name if change.zone else _("The scenic area")
    subject = _("{place}: {level}").format(place=place, level=Level(change.to_level).label)
    if change.zone is None:
        crossed = _crossed(change, policy.banner_level)
        if crossed:
            actions.append("banner_published" if crossed == "up" else "banner_removed")
        crossed = _crossed(change, policy.stop_sales_level)
        day = timezone.localdate(now)
        if crossed == "up":
            halt_sales(day, reason=change.cause, level_change=change, now=now)
            actions.append("sales_stopped")
        elif crossed == "down" and resume_sales(day, reason=change.cause, only_source=SalesHalt.Source.LEVEL, now=now):
            actions.append("sales_resumed")
    if _crossed(change, policy.notify_level):
        notified = notify_roles(policy.notify_roles or [], subject, change.cause, key=f"flow:level:{change.pk}")
        actions.append(f"notified:{notified}")
    if _crossed(change, policy.sms_level):
        text = _("[{site}] {subject}. {cause}").format(
            site=_site_name(), subject=subject, cause=change.cause if change.rising else _("Level lowered.")
        )
        for index, phone in enumerate(policy.recipients()):
            outbox.enqueue(
                "sms", phone, body=text[:300], dedupe_key=f"flow:level:{change.pk}:sms:{index}", source="flow:level"
            )
        actions.append(f"sms:{len(policy.recipients())}")
    if _crossed(change, site.report_level):
        from scenic_ops.flow.services import reporting

        sent = reporting.report_level_change(change, now=now)
        actions.append(f"reported:{sent}")
    # Other domains react (a red level opens service's emergency plan): flow does not know who listens.
    reactions = hooks.emit(
        LEVEL_CHANGED,
        change_id=change.pk,
        zone_code=change.zone.code if change.zone else None,
        zone_name=change.zone.name if change.zone else "",
        from_level=LEVEL_CODES[change.from_level],
        to_level=LEVEL_CODES[change.to_level],
        at=change.at,
        cause=change.cause,
        count=change.count,
        capacity=change.capacity,
        now=now,
    )
    if any(r is not None for r in reactions):
        actions.append("others_told")
    return actions


def announce_standing(*, now: dt.datetime | None = None) -> int:
    """Tell other domains which levels stand at orange or above (they catch up on a missed change)."""
    now = now or timezone.now()
    standing = []
    for state in LevelState.objects.filter(level__gte=Level.ORANGE).select_related("zone").order_by("scope_key"):
        last = LevelChange.objects.filter(scope_key=state.scope_key).order_by("-at", "-id").first()
        standing.append(
            {
                "zone_code": state.zone.code if state.zone else None,
                "zone_name": state.zone.name if state.zone else "",
                "level": LEVEL_CODES[state.level],
                "since": state.since,
                "count": last.count if last else None,
                "capacity": last.capacity if last else None,
                "cause": last.cause if last else "",
            }
        )
    if standing:
        hooks.emit(LEVELS_STANDING, levels=standing, now=now)
    return len(standing)


def _site_name() -> str:
    from scenic_ops.core.services import site_profile

    return site_profile().name


def notify_roles(
    roles: list[str],
    subject: str,
    body: str,
    *,
    key: str,
    event: str = "flow_level",
    link: str = "/admin/flow/levelchange/",
) -> int:
    """In-app notifications (the workflow app's inbox, when installed) and e-mail to every user of the roles."""
    users = list(User.objects.filter(is_active=True, groups__role__code__in=roles).distinct().order_by("pk"))
    notify_in_app = None
    with contextlib.suppress(ImportError):
        from scenic_ops.workflow.services.notifications import notify_in_app
    for user in users:
        if notify_in_app is not None:
            try:
                notify_in_app(
                    user,
                    subject,
                    body,
                    event=event,
                    link=link,
                    dedupe_key=f"{key}:{user.pk}",
                )
            except Exception:  # noqa: BLE001 - the inbox is optional; e-mail still goes out
                log.warning("flow: in-app notification failed", exc_info=True)
        if user.email:
            outbox.enqueue(
                "email",
                user.email,
                subject=subject,
                body=body,
                dedupe_key=f"{key}:{user.pk}:email",
                source="flow:level",
            )
    return len(users)


# --- sales halt --------------------------------------------------------------------------


def halt_sales(
    day: dt.date, *, reason: str, level_change: LevelChange | None = None, user=None, now: dt.datetime | None = None
) -> SalesHalt:
    """Stop the sale of `day`'s remaining slots (idempotent)."""
    now = now or timezone.now()
    source = SalesHalt.Source.LEVEL if level_change is not None else SalesHalt.Source.MANUAL
    with transaction.atomic(), _actor(user):
        halt = SalesHalt.objects.select_for_update().filter(day=day).first()
        if halt is not None and halt.halted:
            return halt
        halt = halt or SalesHalt(day=day)
        halt.halted, halt.source, halt.reason, halt.since = True, source, reason[:300], now
        halt.resumed_at, halt.level_change, halt.changed_by = (
            None,
            level_change,
            user if getattr(user, "pk", None) else None,
        )
        halt.save()
        hooks.emit(SALES_HALT_CHANGED, day=day, halted=True, reason=halt.reason, now=now)  # ticketing stops selling
        live.changed(evaluate=False)
    return halt


def resume_sales(
    day: dt.date, *, reason: str, only_source: str | None = None, user=None, now: dt.datetime | None = None
) -> bool:
    """Resume sales for `day`; with `only_source`, only a halt of that origin (an operator's halt stays)."""
    now = now or timezone.now()
    with transaction.atomic(), _actor(user):
        halt = SalesHalt.objects.select_for_update().filter(day=day, halted=True).first()
        if halt is None or (only_source and halt.source != only_source):
            return False
        halt.halted, halt.resumed_at, halt.reason = False, now, reason[:300]
        halt.changed_by = user if getattr(user, "pk", None) else None
        halt.save()
        hooks.emit(SALES_HALT_CHANGED, day=day, halted=False, reason=halt.reason, now=now)  # ticketing sells again
        live.changed(evaluate=False)
    return True


def _actor(user):
    if user is not None and getattr(user, "pk", None):
        return audit.acting_as(user)
    return audit.acting_as(None, name="flow:levels") if audit.current_actor() is None else contextlib.nullcontext()
