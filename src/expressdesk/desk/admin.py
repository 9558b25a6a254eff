"""An admin's changes to the desk's rule table and holiday calendar. Flushes, never commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.desk import repository
from expressdesk.desk.calendar import china_days
from expressdesk.desk.rules import DeskRules, RuleValueRefused, calendar_refusal, check_rule_value
from expressdesk.errors import ValidationFailed
from expressdesk.models import DeskDay, DeskRuleValue, User


def set_rule(
    session: Session, actor: User, key: str, raw: str, now: datetime, settings: Settings
) -> float | str:
    """Set one rule; a regulatory limit may be tightened, never loosened."""
    try:
        value = check_rule_value(key, raw)
    except RuleValueRefused as exc:
        raise ValidationFailed.on(key, "rule_refused", str(exc)) from None
    current = DeskRules.of(repository.rule_overrides(session))
    if key.startswith("hours."):
        refusal = calendar_refusal({key: str(value)}, current)
        if refusal:
            raise ValidationFailed.on(key, "no_working_time", refusal)
    row = session.get(DeskRuleValue, key)
    if row is None:
        row = DeskRuleValue(key=key)
        session.add(row)
    row.value, row.changed_by_id, row.changed_at = str(value), actor.id, now
    session.flush()
    return value


def set_day(session: Session, day: date, kind: str | None, name: str = "") -> None:
    """Mark a day as a holiday (off), a make-up working day (work), or back to normal (None)."""
    if kind not in (None, "off", "work"):
        raise ValidationFailed.on("kind", "one_of", "must be off, work or empty")
    row = repository.desk_day(session, day)
    if kind is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(DeskDay(day=day, kind=kind, name=name))
    else:
        row.kind, row.name = kind, name
    session.flush()


def load_china_year(session: Session, year: int) -> int:
    """Load a year of the State Council's holiday schedule; days an admin set are kept."""
    days = china_days(year)
    if not days:
        raise ValidationFailed.on("year", "unknown_year", f"no holiday schedule known for {year}")
    added = 0
    for day, kind, name in days:
        if repository.desk_day(session, day) is None:
            session.add(DeskDay(day=day, kind=kind, name=name))
            added += 1
    session.flush()
    return added
