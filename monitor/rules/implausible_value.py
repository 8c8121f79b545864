"""implausible_value: magnitude or unit errors (三公 above the whole budget, 千万 units, 万亿)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select

from monitor.context import RuleContext, candidate, figure_evidence, subject_of
from monitor.rules.three_public_increase import PARTS
from monitor.sheet import MONEY_UNITS
from monitor.wording import kind_word, metric_name, subject, wan
from storage.metrics import MONEY_METRICS, is_change
from storage.models import FigureRow, TargetRow
from storage.monitoring import AlertCandidate

NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")
MONEY_IDS = [*MONEY_METRICS]


class ImplausibleValueRule:
    """Figures no county department can have, and units no budget table uses."""

    name = "implausible_value"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Three checks, at most one alert per (disclosure, metric)."""
        found: dict[tuple[int, str], AlertCandidate] = {}
        for key, alert in [
            *self.bad_figures(ctx),
            *self.three_public_over_total(ctx),
            *self.target_costs(ctx),
        ]:
            found.setdefault(key, alert)
        yield from found.values()

    def bad_figures(self, ctx: RuleContext) -> Iterator[tuple[tuple[int, str], AlertCandidate]]:
        """Money figures beyond the believable maximum, or written in an unknown unit."""
        query = (
            ctx.sheet_figures()
            .where(
                FigureRow.chosen.is_(True),
                or_(
                    FigureRow.value > ctx.money(ctx.settings.implausible_max_yuan),
                    FigureRow.value < ctx.money(-ctx.settings.implausible_max_yuan),
                    FigureRow.unit.not_in(list(MONEY_UNITS)) & FigureRow.metric.in_(MONEY_IDS),
                ),
            )
            .order_by(FigureRow.id)
        )
        for row in ctx.execute(query):
            figure = row.FigureRow
            if not (figure.metric in MONEY_METRICS or is_change(figure.metric)):
                continue
            s = subject_of(row)
            how = (
                f"单位写作“{figure.raw}{figure.unit}”"
                if figure.unit not in MONEY_UNITS
                else f"达{wan(figure.value)}，超过合理上限{wan(ctx.settings.implausible_max_yuan)}"
            )
            message = (
                f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}"
                f"{metric_name(figure.metric)}{how}，疑为单位或数量级错误，请核实。"
            )
            figures = {figure.metric: figure.value, "unit": figure.unit, "raw": figure.raw}
            yield (
                (figure.disclosure_id, figure.metric),
                candidate(
                    self.name,
                    "critical",
                    s,
                    figure.metric,
                    message,
                    figures,
                    [figure_evidence(figure, row.source)],
                ),
            )

    def three_public_over_total(
        self, ctx: RuleContext
    ) -> Iterator[tuple[tuple[int, str], AlertCandidate]]:
        """三公 lines larger than the department's whole expenditure."""
        c = ctx.sheet.c
        over = [c[p] > c.expenditure_total for p in PARTS]
        query = select(ctx.sheet).where(c.expenditure_total > ctx.money(0), or_(*over))
        rows = ctx.execute(query.order_by(c.id))
        found = [
            (row, p)
            for row in rows
            for p in PARTS
            if (getattr(row, p) or 0) > row.expenditure_total
        ]
        evidence = ctx.evidence(
            k for row, p in found for k in ((row.id, p), (row.id, "expenditure_total"))
        )
        for row, part in found:
            s = subject_of(row)
            message = (
                f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}{metric_name(part)}"
                f"{wan(getattr(row, part))}，大于部门支出总计{wan(row.expenditure_total)}，"
                "疑为单位或数量级错误，请核实。"
            )
            figures = {part: getattr(row, part), "expenditure_total": row.expenditure_total}
            yield (
                (row.id, part),
                candidate(
                    self.name,
                    "critical",
                    s,
                    part,
                    message,
                    figures,
                    [evidence.get((row.id, part)), evidence.get((row.id, "expenditure_total"))],
                ),
            )

    def target_costs(self, ctx: RuleContext) -> Iterator[tuple[tuple[int, str], AlertCandidate]]:
        """Performance targets whose cost indicator exceeds the department's whole expenditure."""
        c = ctx.sheet.c
        query = (
            select(TargetRow, c.region, c.department, c.year, c.kind, c.expenditure_total)
            .join(ctx.sheet, c.id == TargetRow.disclosure_id)
            .where(ctx.in_sheet(TargetRow.disclosure_id))
            .where(
                or_(TargetRow.level2.like("%成本%"), TargetRow.level3.like("%成本%")),
                TargetRow.unit.in_(list(MONEY_UNITS)),
                c.expenditure_total > ctx.money(0),
            )
            .order_by(TargetRow.id)
        )
        for row in ctx.execute(query):
            target = row.TargetRow
            cost = self.cost(target)
            if cost is None or cost <= row.expenditure_total:
                continue
            s = subject_of(row)
            message = (
                f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}绩效目标"
                f"“{target.project}·{target.level3}”成本{wan(cost)}，超过部门支出总计"
                f"{wan(row.expenditure_total)}，疑为单位错误，请核实。"
            )
            figures = {
                "target_cost": cost,
                "expenditure_total": row.expenditure_total,
                "project": target.project,
                "indicator": target.level3,
            }
            evidence = {
                "page": target.page,
                "text": f"{target.level3} {target.comparator}{target.value}{target.unit}",
                "table": "绩效目标表",
            }
            yield (
                (target.disclosure_id, "performance_target_cost"),
                candidate(
                    self.name,
                    "critical",
                    s,
                    "performance_target_cost",
                    message,
                    figures,
                    [{k: v for k, v in evidence.items() if v is not None}],
                ),
            )

    @staticmethod
    def cost(target: TargetRow) -> Decimal | None:
        """A cost target's value in yuan, if it is a plain number in a money unit."""
        match = NUMBER.match(target.value.replace(",", ""))
        if match is None:
            return None
        try:
            return Decimal(match.group(1)) * MONEY_UNITS[target.unit]
        except InvalidOperation:
            return None
