"""stated_change_mismatch: the stated change against last year's document, beyond both roundings."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.rules.stated_change_mismatch import StatedChangeMismatchRule
from tests.monitor.rules import names, only, run, store, wan_disclosure


def stored_pair(session: Session, stated: str) -> None:
    store(
        session,
        wan_disclosure(2021, "budget", {"expenditure_total": "7365.82"}),
        wan_disclosure(
            2022,
            "budget",
            {"expenditure_total": "7769.34", "expenditure_total_change": stated},
        ),
    )


def test_a_change_off_by_five_hundredths_alerts(session: Session) -> None:
    stored_pair(session, "403.57")  # computed: 403.52
    alert = only(run(session, StatedChangeMismatchRule()))
    assert (alert.rule, alert.severity, alert.metric) == (
        "stated_change_mismatch",
        "warning",
        "expenditure_total_change",
    )
    names(alert, "403.57万元", "7365.82万元", "7769.34万元", "403.52万元", "2021年")
    assert alert.figures["difference"] == "500.00"


def test_a_change_off_by_one_hundredth_is_rounding(session: Session) -> None:
    stored_pair(session, "403.53")
    assert run(session, StatedChangeMismatchRule()) == []


def test_a_matching_change_is_silent(session: Session) -> None:
    stored_pair(session, "403.52")
    assert run(session, StatedChangeMismatchRule()) == []
