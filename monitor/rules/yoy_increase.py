"""yoy_increase: a total rose more than a relative *and* an absolute threshold over last year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, and_, cast, or_, select

from monitor.context import RuleContext, candidate, subject_of
from monitor.history import consecutive, with_previous
from monitor.wording import kind_word, metric_name, percent, subject, wan
from storage.monitoring import AlertCandidate

METRICS = [
    "revenue_total",
    "expenditure_total",
    "expenditure_basic",
    "expenditure_project",
    "agency_operating_cost",
]


class YoyIncreaseRule:
    """Totals that grew by more than both thresholds against the same kind a year before."""

    name = "yoy_increase"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Rows that rose beyond both thresholds, checked again exactly in Decimal."""
        h = with_previous(ctx.sheet, METRICS)
        factor = 1 + ctx.settings.yoy_relative
        rose = [
            and_(
                h.c[m] - h.c[f"prev_{m}"] > ctx.money(ctx.settings.yoy_absolute_yuan),
                cast(h.c[m], Float) > cast(h.c[f"prev_{m}"], Float) * factor,
            )
            for m in METRICS
        ]
        rows = ctx.execute(select(h).where(consecutive(h), or_(*rose)).order_by(h.c.id))
        found = [(row, m) for row in rows for m in METRICS if self.rose(ctx, row, m)]
        evidence = ctx.evidence(key for row, m in found for key in ((row.id, m), (row.prev_id, m)))
        for row, m in found:
            yield self.alert(row, m, [evidence.get((row.id, m)), evidence.get((row.prev_id, m))])

    @staticmethod
    def rose(ctx: RuleContext, row: Any, metric: str) -> bool:
        """Whether ``metric`` of ``row`` rose beyond both thresholds (exact)."""
        now, before = getattr(row, metric), getattr(row, f"prev_{metric}")
        if now is None or before is None:
            return False
        relative = Decimal(str(1 + ctx.settings.yoy_relative))
        return now - before > ctx.settings.yoy_absolute_yuan and now > before * relative

    def alert(self, row: Any, metric: str, evidence: list[dict[str, Any] | None]) -> AlertCandidate:
        """The alert for one risen metric."""
        now, before = getattr(row, metric), getattr(row, f"prev_{metric}")
        s = subject_of(row)
        rise = now - before
        ratio = f"（增长{percent(float(rise / before))}）" if before else ""
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}{metric_name(metric)}"
            f"{wan(now)}，较{row.year - 1}年{wan(before)}增加{wan(rise)}{ratio}，"
            "超过同比增长阈值，请核实增长原因。"
        )
        figures = {metric: now, f"{metric}_previous_year": before, "increase": rise}
        return candidate(self.name, "warning", s, metric, message, figures, evidence)
