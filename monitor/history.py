"""Each sheet row beside the same department's row of the previous year (LAG window)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select


def with_previous(sheet: Table, metrics: Sequence[str]) -> Any:
    """Sheet rows with ``prev_*`` columns from the same region, department and kind a year before.

    LAG takes the previous disclosed year; the ``prev_year`` column lets callers
    insist on ``year - 1`` so that a gap year is never compared across.
    """
    c = sheet.c
    previous = [
        # type_ keeps Money's conversion: SQLite returns fen that must become yuan.
        func.lag(c[name], type_=c[name].type)
        .over(partition_by=(c.region, c.department, c.kind), order_by=(c.year, c.id))
        .label(f"prev_{name}")
        for name in ("id", "year", "rounding", *metrics)
    ]
    columns = [c.id, c.region, c.department, c.year, c.kind, c.rounding, *(c[m] for m in metrics)]
    query = select(*columns, *previous).where(
        c.region.is_not(None), c.department.is_not(None), c.year.is_not(None)
    )
    return query.subquery("history")


def consecutive(history: Any) -> Any:
    """The condition that a row's previous row is exactly the year before."""
    return history.c.prev_year == history.c.year - 1
