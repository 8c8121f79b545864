"""sum_mismatch: parts against their total, with the rounding tolerance of the unit written."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.rules.sum_mismatch import SumMismatchRule
from tests.monitor.rules import names, only, run, store, wan_disclosure


def basic(public: str) -> dict[str, str]:
    return {
        "expenditure_basic": "1038.92",
        "expenditure_personnel": "928.32",
        "expenditure_public": public,
    }


def test_parts_off_by_five_hundredths_of_a_wan_alert(session: Session) -> None:
    store(session, wan_disclosure(2021, "budget", basic("110.65")))
    alert = only(run(session, SumMismatchRule()))
    assert (alert.rule, alert.severity, alert.metric) == (
        "sum_mismatch",
        "warning",
        "expenditure_basic",
    )
    names(alert, "人员经费", "公用经费", "1038.97万元", "1038.92万元", "0.05万元")


def test_parts_off_by_one_hundredth_is_rounding(session: Session) -> None:
    store(session, wan_disclosure(2021, "budget", basic("110.61")))
    assert run(session, SumMismatchRule()) == []


def test_a_final_total_is_not_basic_plus_project(session: Session) -> None:
    # A 决算's 支出总计 includes 年末结转和结余: the basic + project check is for 预算 only.
    written = {
        "expenditure_total": "1200",
        "expenditure_basic": "300",
        "expenditure_project": "700",
    }
    store(session, wan_disclosure(2021, "final", written))
    assert run(session, SumMismatchRule()) == []
    store(session, wan_disclosure(2021, "budget", written))
    assert [a.metric for a in run(session, SumMismatchRule())] == ["expenditure_total"]
