"""peer_outlier: a department's ratio is a robust outlier among its region's departments.

The median and the MAD are computed with ROW_NUMBER/COUNT windows, which both
SQLite and PostgreSQL run the same way (SQLite has no percentile_cont).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, select, union_all

from monitor.context import RuleContext, candidate, subject_of
from monitor.history import consecutive, with_previous
from monitor.wording import kind_word, metric_name, percent, subject
from storage.monitoring import AlertCandidate

# ratio name -> (numerator, denominator)
RATIOS = {
    "three_public_share": ("three_public_total", "expenditure_total"),
    "public_to_personnel": ("expenditure_public", "expenditure_personnel"),
    "operating_share": ("agency_operating_cost", "expenditure_basic"),
    "growth": ("expenditure_total", "prev_expenditure_total"),
}
CONSISTENCY = 0.6745  # makes the MAD of normal data comparable to its standard deviation
MAD_FLOOR = 0.1  # peers almost alike: a MAD below a tenth of the median is not a scale


def ratios(ctx: RuleContext) -> Any:
    """One row per (disclosure, ratio name) with the ratio as a float."""
    h = with_previous(
        ctx.sheet,
        [
            "three_public_total",
            "expenditure_total",
            "expenditure_public",
            "expenditure_personnel",
            "agency_operating_cost",
            "expenditure_basic",
        ],
    )
    parts = []
    for name, (top, bottom) in RATIOS.items():
        ratio = cast(h.c[top], Float) / cast(h.c[bottom], Float)
        valid = [h.c[top].is_not(None), h.c[bottom] > ctx.money(0), h.c.region.is_not(None)]
        if name == "growth":
            valid.append(consecutive(h))
        parts.append(
            select(
                h.c.id,
                h.c.region,
                h.c.department,
                h.c.year,
                h.c.kind,
                literal(name).label("ratio_name"),
                ratio.label("ratio"),
            ).where(*valid)
        )
    return union_all(*parts).cte("ratios")


def median_of(source: Any, value: str, group: list[str], label: str) -> Any:
    """Per group, the median of ``value`` (the middle row, or the mean of the middle two)."""
    keys = [source.c[k] for k in group]
    ranked = select(
        *keys,
        source.c[value],
        func.row_number().over(partition_by=keys, order_by=source.c[value]).label("rn"),
        func.count().over(partition_by=keys).label("n"),
    ).cte(f"ranked_{label}")
    middle = (2 * ranked.c.rn).in_([ranked.c.n, ranked.c.n + 1, ranked.c.n + 2])
    return (
        select(
            *[ranked.c[k] for k in group],
            func.avg(ranked.c[value]).label(label),
            func.max(ranked.c.n).label("n"),
        )
        .where(middle)
        .group_by(*[ranked.c[k] for k in group])
        .cte(f"median_{label}")
    )


class PeerOutlierRule:
    """Ratios far above the median of the same region, year and kind (median/MAD z-score)."""

    name = "peer_outlier"
    group = ["region", "year", "kind", "ratio_name"]

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Departments whose robust z-score exceeds the threshold in a large enough group."""
        rows = ctx.execute(self.query(ctx))
        evidence = ctx.evidence(k for r in rows for k in self.evidence_keys(r))
        for row in rows:
            yield self.alert(row, [evidence.get(k) for k in self.evidence_keys(row)])

    def query(self, ctx: RuleContext) -> Any:
        """The set-based query of outliers."""
        r = ratios(ctx)
        med = median_of(r, "ratio", self.group, "med")
        on = and_(*[r.c[k] == med.c[k] for k in self.group])
        dev = (
            select(*[r.c[k] for k in self.group], func.abs(r.c.ratio - med.c.med).label("dev"))
            .join(med, on)
            .where(med.c.n >= ctx.settings.peer_min_count)
            .cte("deviations")
        )
        mad = median_of(dev, "dev", self.group, "mad")
        scale = case(
            (mad.c.mad > MAD_FLOOR * func.abs(med.c.med), mad.c.mad),
            else_=MAD_FLOOR * func.abs(med.c.med),
        )
        z = CONSISTENCY * (r.c.ratio - med.c.med) / scale
        return (
            select(r, med.c.med.label("median"), mad.c.mad, med.c.n, z.label("z"))
            .join(med, on)
            .join(mad, and_(*[mad.c[k] == med.c[k] for k in self.group]))
            .where(
                med.c.n >= ctx.settings.peer_min_count, scale > 0, z > ctx.settings.peer_z_threshold
            )
            .order_by(r.c.id, r.c.ratio_name)
        )

    @staticmethod
    def evidence_keys(row: Any) -> list[tuple[int, str]]:
        """The figures behind a ratio (the current year's; growth cites the total)."""
        top, bottom = RATIOS[row.ratio_name]
        return [(row.id, top)] + ([] if bottom.startswith("prev_") else [(row.id, bottom)])

    def alert(self, row: Any, evidence: list[dict[str, Any] | None]) -> AlertCandidate:
        """The alert for one outlying ratio."""
        s = subject_of(row)
        shown = (
            (lambda v: f"{v:.2f}")
            if row.ratio_name in ("growth", "public_to_personnel")
            else percent
        )
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}"
            f"{metric_name(row.ratio_name)}为{shown(row.ratio)}，而{s.region}同年{row.n}个部门的中位数为"
            f"{shown(row.median)}（稳健z值{row.z:.1f}），明显高于同级部门，请核实。"
        )
        figures = {
            "ratio": round(row.ratio, 6),
            "peer_median": round(row.median, 6),
            "peer_mad": round(row.mad, 6),
            "peers": row.n,
            "robust_z": round(row.z, 2),
        }
        return candidate(self.name, "info", s, row.ratio_name, message, figures, evidence)
