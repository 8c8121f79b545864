"""The sheet: one row per current disclosure, one column per metric, built by one SQL pass.

Cross-year and cross-department rules run set-based SQL over this temporary
table (window functions, grouped statistics) instead of looping over figures.
Money columns keep the database's exact representation (``Money``), so SQL
compares exact values and Python reads back exact Decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from monitor.scope import Scope
from storage.models import CENT, DisclosureRow, Document, DocumentVersion, FigureRow, Money

CHANGED = [
    "revenue_total",
    "expenditure_total",
    "expenditure_basic",
    "expenditure_project",
    "three_public_total",
    "three_public_vehicle",
    "three_public_reception",
    "three_public_outbound",
]
SHEET_METRICS = [
    "revenue_total",
    "revenue_general_public",
    "revenue_gov_fund",
    "revenue_state_capital",
    "revenue_special_account",
    "revenue_other",
    "revenue_carryover",
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
    *[f"{metric}_change" for metric in CHANGED],
]
# Units a money figure may be written in, with their size in yuan.
MONEY_UNITS = {
    "元": 1,
    "千元": 1_000,
    "万元": 10_000,
    "万": 10_000,
    "亿元": 100_000_000,
    "亿": 100_000_000,
}
MAX_DECIMALS = 6
# Documents drop trailing zeros ("110.6万元", "10万元") but round 万元 amounts to two
# decimals; a bare "10" must not make the whole document look rounded to 1万元.
ROUNDED_DECIMALS = {"千元": 2, "万元": 2, "万": 2, "亿元": 2, "亿": 2}


def sheet_table() -> Table:
    """The temporary table's definition."""
    return Table(
        "monitor_sheet",
        MetaData(),
        Column("id", Integer, primary_key=True),  # the disclosure id
        Column("region", Text),
        Column("department", Text),
        Column("year", Integer),
        Column("kind", String(16)),
        # One unit in the last place written, the coarsest among the document's figures.
        Column("rounding", Money),
        *[Column(metric, Money) for metric in SHEET_METRICS],
        prefixes=["TEMPORARY"],
    )


SHEET = sheet_table()


def unit_in_last_place(unit: str, decimals: int) -> Decimal:
    """What one step of the last digit written is worth in yuan (at least one fen)."""
    decimals = max(decimals, ROUNDED_DECIMALS.get(unit, 0))
    return max(Decimal(MONEY_UNITS[unit]).scaleb(-decimals), CENT).quantize(CENT)


def rounding_of(figure: type[FigureRow] = FigureRow) -> ColumnElement[Decimal]:
    """SQL for a figure's unit in the last place, from its unit and the number as written."""
    raw = figure.raw
    decimals = case(
        (raw.like("%.%"), func.length(raw) - func.length(func.rtrim(raw, "0123456789"))),
        else_=0,
    )
    by_unit = {
        unit: case(
            {d: literal(unit_in_last_place(unit, d), Money) for d in range(MAX_DECIMALS + 1)},
            value=decimals,
            else_=literal(CENT, Money),
        )
        for unit in MONEY_UNITS
    }
    # An unknown unit is implausible_value's business; here it counts as exact yuan.
    return case(by_unit, value=figure.unit, else_=literal(Decimal(1), Money))


def current_disclosures(scope: Scope) -> Any:
    """Current-version disclosures, one per (region, department, year, kind): the latest."""
    keys = (DisclosureRow.region, DisclosureRow.department, DisclosureRow.year, DisclosureRow.kind)
    rank = func.row_number().over(partition_by=keys, order_by=DisclosureRow.id.desc())
    query = (
        select(DisclosureRow.id, *keys, rank.label("rank"))
        .join(DocumentVersion, DocumentVersion.id == DisclosureRow.document_version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.sha256 == Document.sha256)
    )
    if scope.table is not None:
        table = scope.table
        query = query.join(
            table, and_(table.c.region == DisclosureRow.region, table.c.year == DisclosureRow.year)
        )
    return query.subquery("current")


def fill_query(scope: Scope) -> Any:
    """SELECT of the sheet's rows: the chosen figures of current disclosures, pivoted."""
    current = current_disclosures(scope)
    pivot = [
        func.max(case((FigureRow.metric == metric, FigureRow.value))).label(metric)
        for metric in SHEET_METRICS
    ]
    return (
        select(
            current.c.id,
            current.c.region,
            current.c.department,
            current.c.year,
            current.c.kind,
            func.max(rounding_of()).label("rounding"),
            *pivot,
        )
        .join(FigureRow, FigureRow.disclosure_id == current.c.id)
        .where(current.c.rank == 1, FigureRow.chosen.is_(True), FigureRow.metric.in_(SHEET_METRICS))
        .group_by(
            current.c.id, current.c.region, current.c.department, current.c.year, current.c.kind
        )
    )


def build_sheet(session: Session, scope: Scope) -> Table:
    """Create and fill the temporary sheet for ``scope``."""
    connection = session.connection()
    SHEET.drop(connection, checkfirst=True)
    SHEET.create(connection)
    columns = ["id", "region", "department", "year", "kind", "rounding", *SHEET_METRICS]
    connection.execute(insert(SHEET).from_select(columns, fill_query(scope)))
    if connection.dialect.name == "postgresql":
        # Autovacuum never analyses temporary tables; without statistics the planner guesses.
        connection.exec_driver_sql("ANALYZE monitor_sheet")
    return SHEET


def drop_sheet(session: Session) -> None:
    """Drop the temporary sheet."""
    SHEET.drop(session.connection(), checkfirst=True)
