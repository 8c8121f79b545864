"""Alert lifecycle: reopening on new facts, dismissals that stick, the outbox, incremental passes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

import monitor
from budgetwatch.config import MonitorSettings
from storage.models import DeliveryRow
from storage.monitoring import acknowledge_alert, dismiss_alert, list_alerts, upsert_alert
from tests.monitor import scenario
from tests.monitor.scenario import DEPARTMENTS, NOW, disclosure, save

SETTINGS = MonitorSettings()
LATER = NOW + timedelta(days=1)


def sum_alert(session: Session) -> monitor.AlertView:
    """The planted sum_mismatch alert after a first pass."""
    report = monitor.evaluate(session, now=NOW, settings=SETTINGS)
    return next(
        a for a in report.new if a.rule == "sum_mismatch" and a.department == DEPARTMENTS[6]
    )


def restate(session: Session, public_error: int) -> None:
    """A corrected (or differently wrong) re-publication of the sum_mismatch document."""
    figures = scenario.department_figures(6, 2022, "budget")
    figures["expenditure_public"] += public_error - 100_000
    save(
        session,
        disclosure(DEPARTMENTS[6], 2022, "budget", figures),
        LATER,
        variant=str(public_error),
    )


def test_changed_facts_reopen_an_acknowledged_alert(session: Session) -> None:
    scenario.build(session)
    alert = sum_alert(session)
    acknowledge_alert(session, alert.id, NOW)
    restate(session, 200_000)
    report = monitor.evaluate(session, now=LATER, settings=SETTINGS)
    assert [a.id for a in report.changed] == [alert.id]
    assert report.changed[0].status == "new"
    assert Decimal(report.changed[0].figures["difference"]) == 200_000


def test_a_dismissed_alert_stays_dismissed_until_its_facts_change(session: Session) -> None:
    scenario.build(session)
    alert = sum_alert(session)
    dismiss_alert(session, alert.id, "已核实：表格口径不同", NOW)
    again = monitor.evaluate(session, now=LATER, settings=SETTINGS, full=True)
    assert again.changed == [] and again.new == []
    assert [a.id for a in list_alerts(session, "dismissed")] == [alert.id]
    restate(session, 300_000)
    reopened = monitor.evaluate(session, now=LATER, settings=SETTINGS)
    assert [a.id for a in reopened.changed] == [alert.id]
    assert list_alerts(session, "dismissed") == []


def test_deliveries_are_queued_once_per_channel_and_facts(session: Session) -> None:
    scenario.build(session)
    report = monitor.evaluate(session, now=NOW, settings=SETTINGS, channels=["mail", "webhook"])
    rows = session.scalars(select(DeliveryRow)).all()
    assert len(rows) == 2 * len(report.new)
    assert {r.status for r in rows} == {"pending"} and len(
        {r.idempotency_key for r in rows}
    ) == len(rows)
    monitor.evaluate(session, now=LATER, settings=SETTINGS, full=True, channels=["mail", "webhook"])
    assert len(session.scalars(select(DeliveryRow)).all()) == len(rows)
    alert = next(
        a for a in report.new if a.rule == "sum_mismatch" and a.department == DEPARTMENTS[6]
    )
    restate(session, 200_000)
    monitor.evaluate(session, now=LATER, settings=SETTINGS, channels=["mail"])
    queued = session.scalars(select(DeliveryRow).where(DeliveryRow.alert_id == alert.id)).all()
    assert sorted(r.channel for r in queued) == ["mail", "mail", "webhook"]


def test_incremental_pass_sees_a_new_year_and_only_it(session: Session) -> None:
    scenario.build(session)
    first = monitor.evaluate(session, now=NOW, settings=SETTINGS)
    assert first.full
    figures = scenario.department_figures(0, 2024, "budget")
    figures["three_public_reception"] += 50_000
    figures["three_public_total"] += 50_000
    save(session, disclosure(DEPARTMENTS[0], 2024, "budget", figures), LATER)
    second = monitor.evaluate(session, now=LATER, settings=SETTINGS)
    assert not second.full
    found = {(a.rule, a.department, a.year, a.metric) for a in second.new}
    assert ("three_public_increase", DEPARTMENTS[0], 2024, "three_public_reception") in found
    assert second.changed == []


def test_upsert_reports_new_changed_unchanged(session: Session) -> None:
    candidate = monitor.evaluate.__globals__["AlertCandidate"](
        "sum_mismatch",
        "warning",
        "固安县",
        "组织部",
        2021,
        "budget",
        "expenditure_basic",
        "合计不符。",
        {"difference": "100.00"},
        (),
    )
    row, outcome = upsert_alert(session, candidate, NOW)
    assert outcome == "new" and row.status == "new"
    assert upsert_alert(session, candidate, LATER)[1] == "unchanged"
    moved = type(candidate)(**{**candidate.__dict__, "figures": {"difference": "200.00"}})
    assert upsert_alert(session, moved, LATER)[1] == "changed"
