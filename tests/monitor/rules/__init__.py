"""Unit tests per monitor rule: the smallest stored data that triggers it, and the nearest that must not.

Shared by the rule modules: figures written in 万元 (so rounding follows the unit
written) stored through the scenario's own helpers, and one-rule passes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

import monitor
from budgetwatch.config import MonitorSettings
from extract.model import Disclosure, Figure
from monitor.report import AlertView
from monitor.rules import Rule
from tests.monitor import scenario

DEPARTMENT = scenario.DEPARTMENTS[0]  # 清水县财政局


def wan_figure(metric: str, raw: str, year: int) -> Figure:
    """A figure printed in a 万元 table as ``raw`` ("0.77"), exact in yuan."""
    return scenario.table_figure(metric, Decimal(raw) * 10_000, year, "万元", raw)


def wan_disclosure(
    year: int, kind: str, written: dict[str, str], department: str = DEPARTMENT, **changes: Any
) -> Disclosure:
    """A disclosure whose figures are printed in 万元: ``{metric: "110.6"}``."""
    figures = {m: wan_figure(m, raw, year) for m, raw in written.items()}
    item = scenario.disclosure(department, year, kind, {})
    return replace(item, figures=figures, candidates=tuple(figures.values()), **changes)


def store(session: Session, *items: Disclosure) -> None:
    """Record and store each disclosure as the scenario does."""
    for item in items:
        scenario.save(session, item)
    session.commit()


def run(
    session: Session, rule: Rule, now: datetime = scenario.NOW, **settings: Any
) -> list[AlertView]:
    """The alerts a full pass of ``rule`` alone raises."""
    report = monitor.evaluate(
        session, now=now, settings=MonitorSettings(**settings), rules=[rule], full=True
    )
    session.commit()
    return report.new


def only(alerts: list[AlertView]) -> AlertView:
    """The single alert of a pass (fails with the messages if there are more or none)."""
    assert len(alerts) == 1, [a.message for a in alerts]
    return alerts[0]


def names(alert: AlertView, *texts: str) -> None:
    """The message names the department, the year and each of ``texts`` (figures as written)."""
    for text in (alert.department or "", f"{alert.year}年", *texts):
        assert text in alert.message, (text, alert.message)
