"""final_vs_budget: the 决算 off its 预算 by +50 % and 100万元, or 三公 above the 三公 budget."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.rules.final_vs_budget import FinalVsBudgetRule
from tests.monitor.rules import names, only, run, store, wan_disclosure


def test_a_final_far_above_its_budget_alerts(session: Session) -> None:
    store(
        session,
        wan_disclosure(2022, "budget", {"expenditure_total": "1000"}),
        wan_disclosure(2022, "final", {"expenditure_total": "1600"}),
    )
    alert = only(run(session, FinalVsBudgetRule()))
    assert (alert.rule, alert.severity, alert.metric, alert.kind) == (
        "final_vs_budget",
        "warning",
        "expenditure_total",
        "final",
    )
    names(alert, "决算", "1600万元", "1000万元", "600万元", "60.0%")


def test_a_final_just_within_the_relative_threshold_is_silent(session: Session) -> None:
    store(
        session,
        wan_disclosure(2022, "budget", {"expenditure_total": "1000"}),
        wan_disclosure(2022, "final", {"expenditure_total": "1499.99"}),
    )
    assert run(session, FinalVsBudgetRule()) == []


def test_three_public_spent_beyond_its_budget_alerts(session: Session) -> None:
    store(
        session,
        wan_disclosure(2022, "budget", {"three_public_total": "10.77"}),
        wan_disclosure(2022, "final", {"three_public_total": "10.82"}),
    )
    alert = only(run(session, FinalVsBudgetRule()))
    assert alert.metric == "three_public_total"
    names(alert, "10.82万元", "10.77万元", "0.05万元")


def test_three_public_over_by_rounding_is_silent(session: Session) -> None:
    store(
        session,
        wan_disclosure(2022, "budget", {"three_public_total": "10.77"}),
        wan_disclosure(2022, "final", {"three_public_total": "10.78"}),
    )
    assert run(session, FinalVsBudgetRule()) == []
