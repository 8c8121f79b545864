"""The figures each disclosure states, planted anomalies included, in 0.01 万元 units."""

from __future__ import annotations

from decimal import Decimal

from crawler.sample_portal import data
from crawler.sample_portal.model import Kind

# The order is the order of the 收支总表 rows and of the manifest's figures.
BUDGET_METRICS = (
    "revenue_total",
    "revenue_general_public",
    "revenue_gov_fund",
    "revenue_other",
    "expenditure_total",
    "expenditure_basic",
    "expenditure_personnel",
    "expenditure_public",
    "expenditure_project",
    "agency_operating_cost",
    "three_public_total",
    "three_public_outbound",
    "three_public_vehicle",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
    "procurement_total",
    "expenditure_total_change",
    "expenditure_basic_change",
    "expenditure_project_change",
    "three_public_total_change",
    # The “三公”经费预算表's 增减 column: every line's change against last year's budget.
    "three_public_outbound_change",
    "three_public_vehicle_change",
    "three_public_vehicle_purchase_change",
    "three_public_vehicle_operation_change",
    "three_public_reception_change",
)
FINAL_EXTRA = ("revenue_carryover",)
THREE_PUBLIC_PARTS = (
    "three_public_outbound",
    "three_public_vehicle",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
)


def _base(amounts: data.Amounts) -> dict[str, int]:
    return {
        "revenue_total": amounts.revenue_total,
        "revenue_general_public": amounts.general_public,
        "revenue_gov_fund": amounts.gov_fund,
        "revenue_other": amounts.other_revenue,
        "expenditure_total": amounts.expenditure_total,
        "expenditure_basic": amounts.basic,
        "expenditure_personnel": amounts.personnel,
        "expenditure_public": amounts.public,
        "expenditure_project": amounts.project,
        # County 部门预算 define 机关运行经费 as the 公用经费 of the 基本支出.
        "agency_operating_cost": amounts.public,
        "three_public_total": amounts.three_public,
        "three_public_outbound": amounts.outbound,
        "three_public_vehicle": amounts.vehicle,
        "three_public_vehicle_purchase": amounts.vehicle_purchase,
        "three_public_vehicle_operation": amounts.vehicle_operation,
        "three_public_reception": amounts.reception,
        "procurement_total": amounts.procurement,
    }


def stated(slug: str, short: str, year: int, kind: Kind, version: int = 0) -> dict[str, int]:
    """Every figure the (slug, department, year, kind) disclosure prints, in 0.01 万元."""
    series = data.department_amounts(slug, short)
    now, before = series[(year, kind)], series[(year - 1, kind)]
    figures = _base(now)
    if kind == "final":
        figures["revenue_carryover"] = now.carry_begin
    figures["expenditure_total_change"] = now.expenditure_total - before.expenditure_total
    if kind == "budget":
        figures["expenditure_basic_change"] = now.basic - before.basic
        figures["expenditure_project_change"] = now.project - before.project
    figures["three_public_total_change"] = now.three_public - before.three_public
    if kind == "budget":
        last = _base(before)
        figures.update({f"{m}_change": figures[m] - last[m] for m in THREE_PUBLIC_PARTS})
    _plant(figures, (slug, short, year, kind), version)
    return figures


def _plant(figures: dict[str, int], where: tuple[str, str, int, str], version: int) -> None:
    """Apply the planted misprints and the post-publication edit."""
    if where == data.STATED_CHANGE_OFF:
        figures["three_public_total_change"] -= 150
    if where == data.SUM_OFF:
        figures["expenditure_basic"] += 100
    if where == data.ALTERED and version:
        edited = ("three_public_reception", "three_public_total")
        for metric in (*edited, *(f"{m}_change" for m in edited)):
            figures[metric] += data.ALTERED_DELTA * version  # each edit adds 3.00万 again


def budget_of(slug: str, short: str, year: int) -> dict[str, int]:
    """The start-of-year budget figures a 决算 quotes beside its actuals."""
    return _base(data.department_amounts(slug, short)[(year, "budget")])


def counts(slug: str, short: str, year: int) -> dict[str, int]:
    """staff_count and vehicles_count (the 2022 car purchase adds one vehicle)."""
    spec = data.dept_spec(slug, short)
    bought = any(
        data.department_amounts(slug, short)[(y, "budget")].vehicle_purchase
        for y in data.YEARS
        if y <= year
    )
    return {"staff_count": spec.staff, "vehicles_count": spec.vehicles + int(bought)}


def to_yuan(units: int) -> Decimal:
    """0.01 万元 -> yuan."""
    return Decimal(units) * 100


def wan(units: int) -> str:
    """0.01 万元 -> '1650.21' (no sign)."""
    units = abs(units)
    return f"{units // 100}.{units % 100:02d}"


def yuan_text(units: int) -> str:
    """0.01 万元 -> '16,502,100.00' as a 元 table cell."""
    return f"{units * 100:,}.00"


def change_phrase(units: int, against: str) -> str:
    """'较2021年增加3.20万元' / '较2021年减少…' / '与2021年持平'."""
    if units == 0:
        return f"与{against}持平"
    verb = "增加" if units > 0 else "减少"
    return f"较{against}{verb}{wan(units)}万元"
