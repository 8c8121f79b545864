"""narrative_table_mismatch: the narrative's figure against the table's, beyond rounding."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy.orm import Session

from extract.model import Conflict, Evidence, Figure
from monitor.rules.narrative_table_mismatch import NarrativeTableMismatchRule
from tests.monitor import scenario
from tests.monitor.rules import DEPARTMENT, names, only, run, store


def stored_conflict(session: Session, narrative_raw: str) -> None:
    """A 元 table saying 1,106,000 and a 万元 sentence saying ``narrative_raw``."""
    table = scenario.table_figure("expenditure_public", Decimal(1_106_000), 2021)
    text = f"公用经费{narrative_raw}万元"
    sentence = Figure(
        "expenditure_public",
        Decimal(narrative_raw) * 10_000,
        "万元",
        Evidence(text, 2, 10),
        narrative_raw,
    )
    item = scenario.disclosure(DEPARTMENT, 2021, "budget", {"expenditure_public": table.value})
    item = replace(
        item,
        candidates=(*item.candidates, sentence),
        conflicts=(Conflict("expenditure_public", item.figures["expenditure_public"], sentence),),
    )
    store(session, item)


def test_a_narrative_off_by_five_hundredths_alerts(session: Session) -> None:
    stored_conflict(session, "110.65")
    alert = only(run(session, NarrativeTableMismatchRule()))
    assert (alert.rule, alert.severity, alert.metric) == (
        "narrative_table_mismatch",
        "warning",
        "expenditure_public",
    )
    names(alert, "文字说明", "110.65万元", "110.6万元", "0.05万元")
    assert {e["origin"] for e in alert.evidence} == {"narrative", "table"}


def test_a_narrative_rounded_to_the_hundredth_is_silent(session: Session) -> None:
    stored_conflict(session, "110.61")
    assert run(session, NarrativeTableMismatchRule()) == []


def test_a_total_stated_as_zero_is_critical(session: Session) -> None:
    stored_conflict(session, "0")
    alert = only(run(session, NarrativeTableMismatchRule()))
    assert alert.severity == "critical"
    names(alert, "0万元", "110.6万元")
