"""stated_change_mismatch: the document's own ``*_change`` is not this year minus last year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from monitor.context import RuleContext, candidate, subject_of
from monitor.history import consecutive, with_previous
from monitor.sheet import CHANGED
from monitor.wording import kind_word, metric_name, subject, wan
from storage.monitoring import AlertCandidate


class StatedChangeMismatchRule:
    """A stated year-on-year change that last year's disclosed value contradicts."""

    name = "stated_change_mismatch"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Rows whose stated change differs from the computed one beyond rounding."""
        changes = [f"{m}_change" for m in CHANGED]
        h = with_previous(ctx.sheet, [*CHANGED, *changes])
        differs = [h.c[f"{m}_change"] != h.c[m] - h.c[f"prev_{m}"] for m in CHANGED]
        rows = ctx.execute(select(h).where(consecutive(h), or_(*differs)).order_by(h.c.id))
        found = [(row, m, gap) for row in rows for m in CHANGED if (gap := self.gap(row, m))]
        keys = [(row.id, f"{m}_change") for row, m, _ in found]
        keys += [key for row, m, _ in found for key in ((row.id, m), (row.prev_id, m))]
        evidence = ctx.evidence(keys)
        for row, m, gap in found:
            items = [evidence.get((row.id, f"{m}_change")), evidence.get((row.id, m))]
            yield self.alert(row, m, gap, [*items, evidence.get((row.prev_id, m))])

    @staticmethod
    def gap(row: Any, metric: str) -> Decimal | None:
        """Stated minus computed change when beyond the rounding of both documents."""
        stated = getattr(row, f"{metric}_change")
        now, before = getattr(row, metric), getattr(row, f"prev_{metric}")
        if stated is None or now is None or before is None:
            return None
        gap = Decimal(stated - (now - before))
        tolerance = (row.rounding or 0) + (row.prev_rounding or 0)
        return gap if abs(gap) > tolerance else None

    def alert(
        self, row: Any, metric: str, gap: Decimal, evidence: list[dict[str, Any] | None]
    ) -> AlertCandidate:
        """The alert for one contradicted change."""
        s = subject_of(row)
        now, before = getattr(row, metric), getattr(row, f"prev_{metric}")
        stated = getattr(row, f"{metric}_change")
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}称{metric_name(metric)}"
            f"较上年增减{wan(stated)}，但按{row.year - 1}年公开的{wan(before)}和本年{wan(now)}计算"
            f"应为{wan(now - before)}，相差{wan(gap)}，请核实哪一份文件有误。"
        )
        figures = {
            f"{metric}_change": stated,
            metric: now,
            f"{metric}_previous_year": before,
            "computed_change": now - before,
            "difference": gap,
        }
        return candidate(self.name, "warning", s, f"{metric}_change", message, figures, evidence)
