"""missing_disclosure: silent until the deadline, then one alert per silent department."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from monitor.rules.missing_disclosure import MissingDisclosureRule
from tests.monitor import scenario
from tests.monitor.rules import DEPARTMENT, names, only, run, store, wan_disclosure

OTHER = scenario.DEPARTMENTS[1]


def stored_years(session: Session) -> None:
    """Both departments published 2022; only the other one 2023."""
    written = {"expenditure_total": "1000"}
    store(
        session,
        wan_disclosure(2022, "budget", written),
        wan_disclosure(2022, "budget", written, department=OTHER),
        wan_disclosure(2023, "budget", written, department=OTHER),
    )


def test_a_department_silent_after_the_deadline_alerts(session: Session) -> None:
    stored_years(session)
    alert = only(run(session, MissingDisclosureRule(), now=datetime(2023, 5, 1, tzinfo=UTC)))
    assert (alert.rule, alert.severity, alert.metric, alert.department, alert.year) == (
        "missing_disclosure",
        "warning",
        None,
        DEPARTMENT,
        2023,
    )
    names(alert, "2022年部门预算", "2023年04月30日")


def test_nothing_before_the_deadline(session: Session) -> None:
    stored_years(session)
    assert run(session, MissingDisclosureRule(), now=datetime(2023, 4, 29, tzinfo=UTC)) == []


def test_a_region_with_nothing_that_year_is_a_crawl_gap(session: Session) -> None:
    store(session, wan_disclosure(2022, "budget", {"expenditure_total": "1000"}))
    assert run(session, MissingDisclosureRule(), now=datetime(2023, 5, 1, tzinfo=UTC)) == []
