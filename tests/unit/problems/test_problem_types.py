"""The problem-type table (the fourteen types of issue 4, plus scan anomalies) and the rules
that open problems."""

from __future__ import annotations

from datetime import timedelta

from expressdesk.problems.rules import (
    PROBLEM_KINDS,
    Party,
    ProblemType,
    is_missort,
    problem_for_failed_attempt,
)
from expressdesk.tracking.scan_types import FailureReason


def test_every_type_has_names_a_party_and_a_deadline() -> None:
    assert set(PROBLEM_KINDS) == set(ProblemType)
    names = {k.name_zh for k in PROBLEM_KINDS.values()}
    for named_in_the_issue in ("地址不详", "电话无法联系", "面单脱落", "破损", "错分", "拒收",
                               "无人签收", "超区", "违禁品", "滞留", "找不到件"):  # fmt: skip
        assert named_in_the_issue in names
    for kind in PROBLEM_KINDS.values():
        assert kind.name_zh and kind.name_en
        assert isinstance(kind.party, Party)
        assert timedelta(0) < kind.deadline <= timedelta(days=3)
    assert len(names) == len(PROBLEM_KINDS)


def test_a_missort_costs_the_least_time() -> None:
    missort = PROBLEM_KINDS[ProblemType.MISSORTED]
    assert missort.party is Party.CARRIER
    assert missort.deadline == min(k.deadline for k in PROBLEM_KINDS.values())


def test_failed_attempts_open_the_matching_problem() -> None:
    assert problem_for_failed_attempt(FailureReason.ABSENT) is ProblemType.RECIPIENT_ABSENT
    assert problem_for_failed_attempt(FailureReason.REFUSED) is ProblemType.REFUSED
    assert problem_for_failed_attempt(FailureReason.RESCHEDULED) is None
    # Every failure reason a scanner can send is decided one way or the other.
    for reason in FailureReason:
        assert reason is FailureReason.RESCHEDULED or problem_for_failed_attempt(reason) is not None


def test_missort_is_an_arrival_at_an_outlet_that_does_not_serve_the_address() -> None:
    assert is_missort(scanning_outlet_id=7, serving_outlet_id=9)
    assert not is_missort(scanning_outlet_id=9, serving_outlet_id=9)
    assert not is_missort(scanning_outlet_id=7, serving_outlet_id=None)  # 超区, not 错分
