"""document_changed: a second version of a document's bytes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from monitor.rules.document_changed import DocumentChangedRule
from tests.monitor import scenario
from tests.monitor.rules import names, only, run, store, wan_disclosure


def test_changed_figures_make_a_warning(session: Session) -> None:
    store(session, wan_disclosure(2022, "budget", {"expenditure_total": "1000"}))
    edited = wan_disclosure(2022, "budget", {"expenditure_total": "1010"})
    scenario.save(session, edited, scenario.NOW - timedelta(days=1), variant="edited")
    session.commit()
    alert = only(run(session, DocumentChangedRule()))
    assert (alert.rule, alert.severity, alert.metric) == ("document_changed", "warning", None)
    names(alert, "共2个版本", "1项数字")
    assert alert.figures["changed_figures"] == {"expenditure_total": ["10000000.00", "10100000.00"]}


def test_new_bytes_with_the_same_figures_are_info(session: Session) -> None:
    item = wan_disclosure(2022, "budget", {"expenditure_total": "1000"})
    store(session, item)
    scenario.save(session, item, scenario.NOW - timedelta(days=1), variant="re-saved")
    session.commit()
    alert = only(run(session, DocumentChangedRule()))
    assert alert.severity == "info"
    names(alert, "未见变化")


def test_one_version_is_silent(session: Session) -> None:
    store(session, wan_disclosure(2022, "budget", {"expenditure_total": "1000"}))
    assert run(session, DocumentChangedRule()) == []
