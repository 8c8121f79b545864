"""sum_mismatch: parts that must add up do not, beyond the rounding of the unit written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, func, literal, or_, select

from monitor.context import RuleContext, candidate, subject_of
from monitor.wording import kind_word, metric_name, subject, wan
from storage.monitoring import AlertCandidate


@dataclass(frozen=True)
class SumCheck:
    """``total`` must equal the sum of ``parts`` (or, if ``at_most``, not be exceeded by it)."""

    name: str  # the alert's metric
    total: str
    parts: tuple[str, ...]
    kinds: tuple[str, ...] = ("budget", "final")
    at_most: bool = False  # open-ended lists: parts not extracted may be missing


CHECKS = [
    # A 决算's 支出总计 includes 年末结转和结余, so only a 预算's total is basic + project.
    SumCheck(
        "expenditure_total",
        "expenditure_total",
        ("expenditure_basic", "expenditure_project"),
        ("budget",),
    ),
    SumCheck(
        "expenditure_basic", "expenditure_basic", ("expenditure_personnel", "expenditure_public")
    ),
    SumCheck(
        "three_public_total",
        "three_public_total",
        ("three_public_outbound", "three_public_vehicle", "three_public_reception"),
    ),
    SumCheck(
        "three_public_vehicle",
        "three_public_vehicle",
        ("three_public_vehicle_purchase", "three_public_vehicle_operation"),
    ),
    SumCheck(
        "revenue_total",
        "revenue_total",
        (
            "revenue_general_public",
            "revenue_gov_fund",
            "revenue_state_capital",
            "revenue_special_account",
            "revenue_other",
            "revenue_carryover",
        ),
        at_most=True,
    ),
    SumCheck("budget_balance", "revenue_total", ("expenditure_total",), ("budget",)),
]


def condition(ctx: RuleContext, check: SumCheck) -> Any:
    """SQL: the check applies and fails beyond (parts + 1) half-units of the last place."""
    c = ctx.sheet.c
    total = c[check.total]
    if check.at_most:
        present = or_(*[c[p].is_not(None) for p in check.parts])
        parts: Any = sum(
            (func.coalesce(c[p], ctx.money(0)) for p in check.parts[1:]),
            func.coalesce(c[check.parts[0]], ctx.money(0)),
        )
        gap = parts - total
    else:
        present = and_(*[c[p].is_not(None) for p in check.parts])
        parts = sum((c[p] for p in check.parts[1:]), c[check.parts[0]])
        gap = func.abs(parts - total)
    # Plain integers: next to a Money column a bare literal would be bound as money (fen).
    two, width = literal(2, Integer), literal(len(check.parts) + 1, Integer)
    return and_(
        c.kind.in_(check.kinds), total.is_not(None), present, gap * two > c.rounding * width
    )


def failure(row: Any, check: SumCheck) -> tuple[Decimal, Decimal] | None:
    """(sum of parts, total) when the check fails on ``row`` (exact), else None."""
    total = getattr(row, check.total)
    values = [getattr(row, p) for p in check.parts]
    if row.kind not in check.kinds or total is None:
        return None
    if (None in values) if not check.at_most else all(v is None for v in values):
        return None
    parts = sum((v for v in values if v is not None), Decimal(0))
    gap = parts - total if check.at_most else abs(parts - total)
    return (parts, total) if gap * 2 > (row.rounding or 0) * (len(check.parts) + 1) else None


class SumMismatchRule:
    """Totals that their parts contradict inside one document."""

    name = "sum_mismatch"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Sheet rows failing any check, checked again exactly."""
        query = select(ctx.sheet).where(or_(*[condition(ctx, ch) for ch in CHECKS]))
        rows = ctx.execute(query.order_by(ctx.sheet.c.id))
        found = [(row, ch, f) for row in rows for ch in CHECKS if (f := failure(row, ch))]
        evidence = ctx.evidence((row.id, m) for row, ch, _ in found for m in (ch.total, *ch.parts))
        for row, check, (parts, total) in found:
            items = [evidence.get((row.id, m)) for m in (check.total, *check.parts)]
            yield self.alert(row, check, parts, total, items)

    def alert(
        self,
        row: Any,
        check: SumCheck,
        parts: Decimal,
        total: Decimal,
        evidence: list[dict[str, Any] | None],
    ) -> AlertCandidate:
        """The alert for one failed sum."""
        s = subject_of(row)
        names = "、".join(metric_name(p) for p in check.parts if getattr(row, p) is not None)
        relation = "超过" if check.at_most else "不等于"
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}中{names}合计{wan(parts)}，"
            f"{relation}{metric_name(check.total)}{wan(total)}，相差{wan(abs(parts - total))}，"
            "请核对报表。"
        )
        figures: dict[str, Any] = {p: getattr(row, p) for p in check.parts}
        figures.update({check.total: total, "sum_of_parts": parts, "difference": parts - total})
        return candidate(self.name, "warning", s, check.name, message, figures, evidence)
