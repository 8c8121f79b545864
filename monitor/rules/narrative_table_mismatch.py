"""narrative_table_mismatch: the narrative states a figure the table contradicts beyond rounding."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from monitor.context import RuleContext, candidate, figure_evidence, subject_of
from monitor.sheet import MONEY_UNITS, unit_in_last_place
from monitor.wording import kind_word, metric_name, subject, wan
from storage.models import FigureRow
from storage.monitoring import AlertCandidate


def written_step(figure: FigureRow) -> Decimal:
    """One unit in the last place of the number as written, in yuan."""
    if figure.unit not in MONEY_UNITS:
        return Decimal(1)
    raw = figure.raw.strip()
    decimals = len(raw) - len(raw.rstrip("0123456789")) if "." in raw else 0
    return unit_in_last_place(figure.unit, min(decimals, 6))


class NarrativeTableMismatchRule:
    """Conflicts the extractor marked, kept when they exceed the rounding of either side."""

    name = "narrative_table_mismatch"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """One alert per (disclosure, metric) whose two sides disagree beyond rounding."""
        query = (
            ctx.sheet_figures()
            .where(FigureRow.conflict.is_(True))
            .order_by(FigureRow.disclosure_id, FigureRow.metric, FigureRow.id)
        )
        sides: dict[tuple[int, str], list[Any]] = defaultdict(list)
        for row in ctx.execute(query):
            sides[(row.FigureRow.disclosure_id, row.FigureRow.metric)].append(row)
        for rows in sides.values():
            alert = self.judge(rows)
            if alert is not None:
                yield alert

    def judge(self, rows: list[Any]) -> AlertCandidate | None:
        """The alert for one metric's conflicting figures, if they differ beyond rounding."""
        chosen = next((r for r in rows if r.FigureRow.chosen), rows[0])
        a = chosen.FigureRow
        others = [r.FigureRow for r in rows if r.FigureRow.value != a.value]
        worst = max(others, key=lambda f: abs(f.value - a.value), default=None)
        if worst is None:
            return None
        tolerance = max(written_step(a), written_step(worst))
        zero = (a.value == 0) != (worst.value == 0)
        if abs(a.value - worst.value) <= tolerance and not zero:
            return None
        s = subject_of(chosen)
        narrative, table = (a, worst) if a.origin == "narrative" else (worst, a)
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}文字说明中"
            f"{metric_name(a.metric)}为{wan(narrative.value)}，而表格为{wan(table.value)}，"
            f"相差{wan(abs(a.value - worst.value))}，请核对并更正。"
        )
        figures = {
            "narrative": narrative.value,
            "table": table.value,
            "difference": narrative.value - table.value,
        }
        evidence = [
            figure_evidence(narrative, chosen.source),
            figure_evidence(table, chosen.source),
        ]
        severity = "critical" if zero else "warning"
        return candidate(self.name, severity, s, a.metric, message, figures, evidence)
