"""The desk's rule table (tightened, never loosened), every compensation rule, and the
assignment rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from expressdesk.desk.assign import Candidate, choose_owner
from expressdesk.desk.compensation import ClaimFacts, ClaimKind, compensation
from expressdesk.desk.rules import (
    DESK_RULES,
    DeskRules,
    RuleValueRefused,
    calendar_refusal,
    check_rule_value,
)

D = Decimal


def test_every_rule_has_a_source_and_a_unit() -> None:
    for rule in DESK_RULES.values():
        assert rule.source and rule.unit
    assert DESK_RULES["regulatory.complaint_days"].default == 7
    assert "条例" in DESK_RULES["regulatory.complaint_days"].source
    assert DESK_RULES["sla.resolution.trace"].default == 24


def test_a_regulatory_limit_may_be_tightened_but_not_loosened() -> None:
    assert check_rule_value("regulatory.complaint_days", "5") == 5
    with pytest.raises(RuleValueRefused, match="not loosened beyond 7"):
        check_rule_value("regulatory.complaint_days", "8")
    with pytest.raises(RuleValueRefused, match="not loosened"):
        check_rule_value("delay_limit.taiwan_days", "11")
    assert check_rule_value("delay_limit.taiwan_days", "9") == 9


def test_bad_rule_values_are_refused_with_the_rule() -> None:
    with pytest.raises(RuleValueRefused, match="must be a number"):
        check_rule_value("sla.first_response.trace", "soon")
    with pytest.raises(RuleValueRefused, match="at least"):
        check_rule_value("sla.first_response.trace", "0")
    with pytest.raises(RuleValueRefused, match="unknown rule"):
        check_rule_value("sla.teatime", "1")
    with pytest.raises(RuleValueRefused, match="HH:MM-HH:MM"):
        check_rule_value("hours.mon", "nine to five")
    with pytest.raises(RuleValueRefused, match="after its start"):
        check_rule_value("hours.mon", "18:00-09:00")


def test_overrides_replace_defaults_and_a_week_without_hours_is_refused() -> None:
    rules = DeskRules.of({"sla.first_response.trace": "1.5"})
    assert rules.number("sla.first_response.trace") == 1.5
    closed = {f"hours.{d}": "" for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    assert calendar_refusal(closed, rules) == "at least one weekday must have working hours"
    assert calendar_refusal({"hours.sun": "10:00-16:00"}, rules) is None


def facts(kind: ClaimKind, **kw: Any) -> ClaimFacts:
    values = {
        "fee": D("12.00"),
        "insurance_fee": D("5.00"),
        "declared_value": None,
        "goods_value": D("800"),
        "damage_share": D(1),
        "cap_multiple": D(3),
    } | kw
    return ClaimFacts(kind=kind, **values)


def test_delay_refunds_the_fee_but_not_the_insurance_fee() -> None:
    result = compensation(facts(ClaimKind.DELAY, declared_value=D(1000)))
    assert result.amount == D("12.00")
    assert "保价费" in result.basis_zh


def test_uninsured_loss_is_the_actual_loss_up_to_three_times_the_fee() -> None:
    assert compensation(facts(ClaimKind.LOSS)).amount == D("36.00")
    assert compensation(facts(ClaimKind.LOSS, goods_value=D("20"))).amount == D("20.00")


def test_the_cap_follows_the_contract() -> None:
    assert compensation(facts(ClaimKind.LOSS, cap_multiple=D(5))).amount == D("60.00")


def test_insured_loss_pays_the_actual_loss_up_to_the_declared_value() -> None:
    assert compensation(facts(ClaimKind.LOSS, declared_value=D(500))).amount == D("500.00")
    assert compensation(facts(ClaimKind.LOSS, declared_value=D(1000))).amount == D("800.00")


def test_partial_damage_is_proportional() -> None:
    insured = facts(ClaimKind.DAMAGE, declared_value=D(1000), damage_share=D("0.25"))
    assert compensation(insured).amount == D("200.00")  # a quarter of 800
    uninsured = facts(ClaimKind.DAMAGE, damage_share=D("0.25"))
    assert compensation(uninsured).amount == D("36.00")  # 200, capped at 3 × 12
    small = facts(ClaimKind.DAMAGE, goods_value=D("100"), damage_share=D("0.1"))
    assert compensation(small).amount == D("10.00")


def test_missing_contents_pay_the_missing_share() -> None:
    result = compensation(facts(ClaimKind.MISSING_CONTENTS, declared_value=D(2000),
                                goods_value=D(1000), damage_share=D("0.3")))  # fmt: skip
    assert result.amount == D("300.00")


def test_a_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="damage_share"):
        compensation(facts(ClaimKind.DAMAGE, damage_share=D("1.5")))


def c(uid: int, load: int, facility: int | None = None, locale: str | None = None,
      skills: tuple[str, ...] = ()) -> Candidate:  # fmt: skip
    return Candidate(uid, facility, locale, frozenset(skills), load)


def test_the_least_loaded_agent_gets_the_ticket() -> None:
    assert choose_owner([c(1, 5), c(2, 1), c(3, 1)]) == 2
    assert choose_owner([]) is None


def test_specialists_outlet_and_language_narrow_the_choice_when_someone_is_left() -> None:
    people = [c(1, 0), c(2, 4, skills=("complaint",)), c(3, 9, skills=("complaint",), facility=7)]
    assert choose_owner(people, ticket_type="complaint") == 2
    assert choose_owner(people, ticket_type="complaint", facility_id=7) == 3
    assert choose_owner(people, ticket_type="trace") == 1  # specialists of others are skipped
    english = [c(1, 0), c(2, 3, locale="en")]
    assert choose_owner(english, locale="en") == 2
    assert choose_owner(english, locale="fr") == 1  # nobody speaks it: the rule is skipped


def test_every_kind_of_trail_line_the_desk_writes_has_a_name() -> None:
    import re
    from pathlib import Path

    from expressdesk.desk import rules

    source = "".join(p.read_text() for p in Path(rules.__file__).parent.glob("*.py"))
    written = set(re.findall(r'add_entry\(\s*session,\s*\w+,\s*"(\w+)"', source))
    assert written, "no trail lines found"
    assert written <= set(rules.ENTRY_NAMES), written - set(rules.ENTRY_NAMES)
