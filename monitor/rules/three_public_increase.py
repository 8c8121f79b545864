"""three_public_increase: 三公经费 or one of its parts rose (policy: 只减不增), stated or computed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select

from monitor.context import RuleContext, candidate, subject_of
from monitor.history import consecutive, with_previous
from monitor.wording import kind_word, metric_name, subject, wan
from storage.monitoring import AlertCandidate

PARTS = [
    "three_public_total",
    "three_public_outbound",
    "three_public_vehicle",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
]
STATED = {m: f"{m}_change" for m in PARTS if m != "three_public_vehicle_purchase"}
STATED.pop("three_public_vehicle_operation")
# 购置 and 运行维护 are two lines of one 三公 part, 公务用车购置及运行维护费: a car bought
# out of a shrinking vehicle line moves money between them without any rise of 三公, so
# they are judged through that line and alone only where the document does not give it.
VEHICLE_LINES = ("three_public_vehicle_purchase", "three_public_vehicle_operation")


class ThreePublicIncreaseRule:
    """Any rise of 三公 spending beyond rounding, against last year or as the document states."""

    name = "three_public_increase"

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]:
        """Rows with a computed or stated rise, checked exactly against the rounding written."""
        h = with_previous(ctx.sheet, [*PARTS, *STATED.values()])
        computed = [and_(consecutive(h), h.c[m] > h.c[f"prev_{m}"]) for m in PARTS]
        stated = [h.c[change] > ctx.money(0) for change in STATED.values()]
        rows = ctx.execute(select(h).where(or_(*computed, *stated)).order_by(h.c.id))
        found = [(row, m, rise) for row in rows for m in PARTS if (rise := self.rise(row, m))]
        keys = [key for row, m, _ in found for key in ((row.id, m), (row.prev_id, m))]
        keys += [(row.id, STATED[m]) for row, m, _ in found if m in STATED]
        evidence = ctx.evidence(keys)
        for row, m, rise in found:
            items = [evidence.get((row.id, m)), evidence.get((row.prev_id, m))]
            items.append(evidence.get((row.id, STATED.get(m, ""))))
            yield self.alert(row, m, rise, items)

    @staticmethod
    def rise(row: Any, metric: str) -> Decimal | None:
        """The rise of ``metric`` over last year beyond rounding, or as stated; None if none."""
        now, before = getattr(row, metric), getattr(row, f"prev_{metric}")
        consecutive_year = row.prev_year == row.year - 1
        vehicle = (row.three_public_vehicle, row.prev_three_public_vehicle)
        if metric in VEHICLE_LINES and None not in vehicle:
            return None
        if consecutive_year and now is not None and before is not None:
            tolerance = max(row.rounding or 0, row.prev_rounding or 0)
            if now - before > tolerance:
                return Decimal(now - before)
        stated = getattr(row, STATED[metric]) if metric in STATED else None
        return stated if stated is not None and stated > 0 else None

    def alert(
        self, row: Any, metric: str, rise: Decimal, evidence: list[dict[str, Any] | None]
    ) -> AlertCandidate:
        """The alert for one risen 三公 line."""
        s = subject_of(row)
        now, before = getattr(row, metric), getattr(row, f"prev_{metric}")
        amount = f"{wan(now)}，" if now is not None else ""
        message = (
            f"{subject(s.region, s.department)}{s.year}年{kind_word(s.kind)}{metric_name(metric)}"
            f"{amount}较上年增加{wan(rise)}，不符合“三公”经费只减不增的要求，请核实。"
        )
        figures = {metric: now, f"{metric}_previous_year": before, "increase": rise}
        if metric in STATED:
            figures[STATED[metric]] = getattr(row, STATED[metric])
        return candidate(self.name, "warning", s, metric, message, figures, evidence)
