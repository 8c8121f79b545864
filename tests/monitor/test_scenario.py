"""The scenario county: every planted anomaly is found by its rule, clean departments stay silent."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

import monitor
from budgetwatch.config import MonitorSettings
from monitor.report import MonitorReport
from tests.monitor import scenario

SETTINGS = MonitorSettings()


@pytest.fixture
def report(session: Session) -> MonitorReport:
    scenario.build(session)
    result = monitor.evaluate(session, now=scenario.NOW, settings=SETTINGS)
    session.commit()
    return result


@pytest.mark.parametrize("planted", scenario.PLANTED, ids=lambda p: f"{p.rule}-{p.metric}")
def test_every_planted_anomaly_is_found_by_its_rule(
    report: MonitorReport, planted: scenario.Planted
) -> None:
    found = {(a.rule, a.department, a.year, a.kind, a.metric) for a in report.new}
    assert (planted.rule, planted.department, planted.year, planted.kind, planted.metric) in found


def test_clean_departments_raise_no_alert_at_all(report: MonitorReport) -> None:
    noisy = [a.message for a in report.new if a.department in scenario.CLEAN]
    assert noisy == []
    assert len(scenario.CLEAN) >= 8


def test_every_rule_fires_and_alerts_carry_evidence(report: MonitorReport) -> None:
    rules = Counter(a.rule for a in report.new)
    assert set(rules) == {p.rule for p in scenario.PLANTED}
    for alert in report.new:
        assert alert.evidence, alert.rule
        assert (
            alert.message.endswith("。") and alert.department and alert.department in alert.message
        )
        assert alert.status == "new"


def test_a_second_run_adds_nothing(session: Session, report: MonitorReport) -> None:
    again = monitor.evaluate(session, now=scenario.NOW, settings=SETTINGS, full=True)
    assert (again.new, again.changed) == ([], [])
    assert again.unchanged == len(report.new)
    incremental = monitor.evaluate(session, now=scenario.NOW, settings=SETTINGS)
    assert (incremental.new, incremental.changed, incremental.full) == ([], [], False)


def test_messages_quote_the_figures(report: MonitorReport) -> None:
    yoy = next(
        a for a in report.new if a.rule == "yoy_increase" and a.metric == "expenditure_total"
    )
    assert "2023年预算支出总计" in yoy.message and "万元" in yoy.message
    assert (
        Decimal(yoy.figures["expenditure_total"])
        == (scenario.department_figures(1, 2023, "budget")["expenditure_total"])
    )
