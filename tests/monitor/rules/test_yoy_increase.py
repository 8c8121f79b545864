"""yoy_increase: above both the relative (+30 %) and the absolute (+50万元) threshold."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.rules.yoy_increase import YoyIncreaseRule
from tests.monitor.rules import names, only, run, store, wan_disclosure


def test_a_rise_above_both_thresholds_alerts(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", {"expenditure_total": "1000"}),
        wan_disclosure(2022, "budget", {"expenditure_total": "1310"}),
    )
    alert = only(run(session, YoyIncreaseRule()))
    assert (alert.rule, alert.severity, alert.metric) == (
        "yoy_increase",
        "warning",
        "expenditure_total",
    )
    assert (alert.year, alert.kind) == (2022, "budget")
    names(alert, "1310万元", "1000万元", "310万元", "31.0%")


def test_a_rise_just_below_the_relative_threshold_is_silent(session: Session) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", {"expenditure_total": "1000"}),
        wan_disclosure(2022, "budget", {"expenditure_total": "1299.99"}),
    )
    assert run(session, YoyIncreaseRule()) == []


def test_a_large_share_of_a_small_budget_is_silent(session: Session) -> None:
    # +60 % but only 48万元: below the absolute threshold.
    store(
        session,
        wan_disclosure(2021, "budget", {"expenditure_total": "80"}),
        wan_disclosure(2022, "budget", {"expenditure_total": "128"}),
    )
    assert run(session, YoyIncreaseRule()) == []


def test_a_gap_year_is_not_compared_across(session: Session) -> None:
    store(
        session,
        wan_disclosure(2020, "budget", {"expenditure_total": "1000"}),
        wan_disclosure(2022, "budget", {"expenditure_total": "2000"}),
    )
    assert run(session, YoyIncreaseRule()) == []
