"""Tables flattened into text lines (web-page texts)."""

from __future__ import annotations

from decimal import Decimal

from extract.fields import DocumentFields
from extract.model import Page, RawDocument
from extract.tables import table_figures
from extract.text_tables import text_tables

PIPE_ROWS = """附件. | ||||
某县2016年“三公”经费决算情况统计表 | ||||
单位:万元 | ||||
项目 | 上年决算数 | 本年决算数 | 比上年增、减情况 | |
增、减金额 | 增、减幅度 | |||
合计 | 2911.47 | 2706.86 | -204.61 | -7.03% |
1.因公出国(境)费 | 13.06 | 10.20 | -2.86 | -21.9% |
"""

ONE_CELL_PER_LINE = """某局2017年“三公”经费财政拨款预算表 |
单位:万元 |
项 目 |
2016年预算数 |
2017年预算数 |
合计 |
38.5 |
37 |
1、因公出国(境)费 |
|
|
2、公务接待费 |
21 |
20 |
"""


def figures(text: str, year: int, kind: str) -> dict[str, Decimal]:
    doc = RawDocument(source="x.txt", format="txt", pages=(Page(1, text),))
    fields = DocumentFields(region=None, department=None, year=year, kind=kind)  # type: ignore[arg-type]
    found: dict[str, Decimal] = {}
    for figure in table_figures(doc, fields):
        found.setdefault(figure.metric, figure.value)
    return found


def test_pipe_rows_become_a_grid_with_title_and_unit() -> None:
    (table,) = text_tables(Page(1, PIPE_ROWS))
    assert table.unit == "万元"
    assert table.title is not None and "三公" in table.title
    assert table.rows[1][3:] == ("增、减金额", "增、减幅度")


def test_pipe_rows_final_figures() -> None:
    found = figures(PIPE_ROWS, 2016, "final")
    assert found["three_public_total"] == Decimal("27068600")
    assert found["three_public_outbound"] == Decimal("102000")
    assert found["three_public_outbound_change"] == Decimal("-28600")


def test_one_cell_per_line_regroups_by_header_width() -> None:
    (table,) = text_tables(Page(1, ONE_CELL_PER_LINE))
    assert table.rows[1] == ("合计", "38.5", "37")
    found = figures(ONE_CELL_PER_LINE, 2017, "budget")
    assert found["three_public_total"] == Decimal("370000")
    assert found["three_public_reception"] == Decimal("200000")
    assert "three_public_outbound" not in found  # empty cells are not zeros


SPLIT_TOTAL_ROW = """收入支出决算总表
单位:万元
项目 | 决算数 | 项目 | 决算数 |
一般公共预算财政拨款收入 | 255.12 | 文化旅游体育与传媒支出 | 261.07 |
本年收入合计 | 256.92 | 本年支出合计 | 261.07 |
年初结转和结余 | 11.5 | 年末结转和结余 | 7.35 |
总计 |
268.42 | 总计 | 268.42 |
"""


def test_total_row_split_from_its_numbers_is_joined_and_sided() -> None:
    got = figures(SPLIT_TOTAL_ROW, 2022, "final")
    # A final's totals are the 总计 lines: 本年收入合计 is not revenue_total.
    assert got["revenue_total"] == Decimal("2684200")
    assert got["expenditure_total"] == Decimal("2684200")
    assert got["revenue_carryover"] == Decimal("115000")


def test_change_against_own_budget_is_not_a_change() -> None:
    text = (
        "单位：万元\n项目 | 2022年预算数 | 2022年决算数 | 决算数比预算数增减 |\n"
        "合计 | 12.00 | 9.36 | -2.64 |\n公务接待费 | 3.00 | 1.80 | -1.20 |\n"
    )
    got = figures("某局2022年“三公”经费决算表\n" + text, 2022, "final")
    assert got["three_public_total"] == Decimal("93600")
    assert got["three_public_reception"] == Decimal("18000")
    assert not any(metric.endswith("_change") for metric in got)
