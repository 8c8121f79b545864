"""final_vs_budget: the 决算 differs from the same year's 预算 beyond a threshold."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, and_, cast, func, or_, select

from monitor.context import RuleContext, Subject, candidate
from monitor.wording import metric_name, percent, subject, wan
from storage.monitoring import AlertCandidate


class FinalVsBudgetRule:
    """A 决算 total far off its 预算, or 决算 三公 spending above the 三公 budget."""

    name = "final_vs_budget"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Pairs of a year's 预算 and 决算 whose totals or 三公 figures disagree."""
        budget, final = ctx.sheet.alias("budget"), ctx.sheet.alias("final")
        off = and_(
            func.abs(final.c.expenditure_total - budget.c.expenditure_total)
            > ctx.money(ctx.settings.final_vs_budget_absolute_yuan),
            func.abs(
                cast(final.c.expenditure_total, Float) - cast(budget.c.expenditure_total, Float)
            )
            > cast(budget.c.expenditure_total, Float) * ctx.settings.final_vs_budget_relative,
        )
        over = final.c.three_public_total - budget.c.three_public_total > final.c.rounding
        query = (
            select(
                final.c.id,
                final.c.region,
                final.c.department,
                final.c.year,
                budget.c.id.label("budget_id"),
                final.c.rounding,
                final.c.expenditure_total,
                budget.c.expenditure_total.label("budget_expenditure_total"),
                final.c.three_public_total,
                budget.c.three_public_total.label("budget_three_public_total"),
            )
            .join(
                budget,
                and_(
                    budget.c.region == final.c.region,
                    budget.c.department == final.c.department,
                    budget.c.year == final.c.year,
                ),
            )
            .where(final.c.kind == "final", budget.c.kind == "budget", or_(off, over))
            .order_by(final.c.id)
        )
        rows = ctx.execute(query)
        found = [
            (row, m)
            for row in rows
            for m in ("expenditure_total", "three_public_total")
            if self.differs(ctx, row, m)
        ]
        evidence = ctx.evidence(k for row, m in found for k in ((row.id, m), (row.budget_id, m)))
        for row, m in found:
            yield self.alert(row, m, [evidence.get((row.id, m)), evidence.get((row.budget_id, m))])

    @staticmethod
    def differs(ctx: RuleContext, row: Any, metric: str) -> bool:
        """Exact check: total off by both thresholds, or 三公 above budget beyond rounding."""
        final, budget = getattr(row, metric), getattr(row, f"budget_{metric}")
        if final is None or budget is None:
            return False
        if metric == "three_public_total":
            return bool(final - budget > (row.rounding or 0))
        relative = Decimal(str(ctx.settings.final_vs_budget_relative))
        gap = abs(final - budget)
        return gap > ctx.settings.final_vs_budget_absolute_yuan and gap > budget * relative

    def alert(self, row: Any, metric: str, evidence: list[dict[str, Any] | None]) -> AlertCandidate:
        """The alert for one 决算/预算 difference."""
        s = Subject(row.region, row.department, row.year, "final")
        final, budget = getattr(row, metric), getattr(row, f"budget_{metric}")
        gap = final - budget
        share = f"（{percent(float(gap / budget))}）" if budget else ""
        verb = "超出" if gap > 0 else "低于"
        message = (
            f"{subject(s.region, s.department)}{s.year}年决算{metric_name(metric)}{wan(final)}，"
            f"{verb}当年预算{wan(budget)}达{wan(abs(gap))}{share}，请核实预算调整情况。"
        )
        figures = {metric: final, f"budget_{metric}": budget, "difference": gap}
        severity = "warning"
        return candidate(self.name, severity, s, metric, message, figures, evidence)
