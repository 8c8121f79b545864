"""Table grids rebuilt from positioned PDF text (generated PDFs, and the corpus when present)."""

from __future__ import annotations

import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pypdfium2 as pdfium
import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.fields import DocumentFields
from extract.model import Page, RawDocument, Segment
from extract.pdf_tables import assign_in_order, nearest, page_tables, pdf_tables
from extract.readers.pdf import PageChars, page_runs, read_pdf, run_pieces, sized_runs
from extract.tables import table_figures

GENERATOR = Path(__file__).resolve().parents[1] / "fixtures" / "tables" / "generate.py"
NO_FIELDS = DocumentFields(region=None, department=None, year=2017, kind="budget")


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("table_pdf_generator", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_generator()


def figures_of(path: Path) -> dict[str, Decimal]:
    doc = read_pdf(path, str(path))
    found: dict[str, Decimal] = {}
    for figure in table_figures(doc, NO_FIELDS):
        found.setdefault(figure.metric, figure.value)
    return found


def test_sangong_blank_purchase_cell_does_not_shift_columns(
    tmp_path: Path, generator: ModuleType
) -> None:
    figures = figures_of(generator.write_sangong(tmp_path / "sangong.pdf"))
    assert figures["three_public_total"] == Decimal("5092000")  # 小计, not 合计 incl. 会议/培训
    assert figures["three_public_vehicle"] == Decimal("4112000")
    assert figures["three_public_vehicle_operation"] == Decimal("4112000")
    assert "three_public_vehicle_purchase" not in figures  # the blank cell is no zero
    assert figures["three_public_reception"] == Decimal("280000")
    assert figures["meeting_fee"] == Decimal("9335000")
    assert figures["training_fee"] == Decimal("250000")


def test_sangong_printed_zero_is_read(tmp_path: Path, generator: ModuleType) -> None:
    figures = figures_of(generator.write_sangong(tmp_path / "zero.pdf", purchase="0"))
    assert figures["three_public_vehicle_purchase"] == Decimal("0")
    assert figures["three_public_vehicle_operation"] == Decimal("4112000")


def test_yuan_and_wan_tables_in_one_file(tmp_path: Path, generator: ModuleType) -> None:
    figures = figures_of(generator.write_summary_yuan(tmp_path / "summary.pdf"))
    assert figures["revenue_total"] == Decimal("86959408.34")
    assert figures["revenue_general_public"] == Decimal("86959408.34")
    assert figures["expenditure_basic"] == Decimal("22118861.34")
    assert figures["expenditure_project"] == Decimal("64840547")
    assert figures["procurement_total"] == Decimal("14842000")


def test_off_baseline_value_joins_its_row() -> None:
    def seg(text: str, x: float, y: float, h: float = 8.0) -> Segment:
        return Segment(text, x, y, x + 6 * len(text), y + h)

    segments = (
        seg("单位：万元", 400, 700),
        seg("合计", 40, 650),
        seg("购置费", 140, 650),
        seg("运行费", 240, 650),
        seg("9.00", 40, 600, 6),
        seg("0", 150, 594, 5),
        seg("9.00", 240, 600, 6),
    )
    (table,) = page_tables(Page(number=1, text="", segments=segments))
    assert table.rows[-1] == ("9.00", "0", "9.00")


def test_values_keep_their_order_across_columns() -> None:
    assert assign_in_order([100.0, 118.0], [95.0, 120.0, 200.0]) == [0, 1]
    assert assign_in_order([150.0], [95.0, 120.0, 200.0]) == [1]


def seg(text: str, x: float, y: float, h: float = 8.0) -> Segment:
    return Segment(text, x, y, x + 6 * len(text), y + h)


def economic_table_pages(shift: float = 0.0) -> tuple[Page, Page]:
    """A 经济分类 table whose 合计 row runs over onto a second page without a caption."""
    first = (
        seg("基本支出经济分类预算表", 200, 760),
        seg("单位：元", 400, 740),
        seg("科目名称", 40, 700),
        seg("合计", 200, 700),
        seg("人员经费", 300, 700),
        seg("公用经费", 400, 700),
        seg("工资福利支出", 40, 650),
        seg("1,000.00", 200, 650),
        seg("1,000.00", 300, 650),
        seg("0.00", 424, 650),
    )
    second = (
        seg("商品和服务支出", 40 + shift, 700),
        seg("500.00", 212 + shift, 700),
        seg("0.00", 324 + shift, 700),
        seg("500.00", 412 + shift, 700),
        seg("合计", 40 + shift, 650),
        seg("1,500.00", 200 + shift, 650),
        seg("1,000.00", 300 + shift, 650),
        seg("500.00", 412 + shift, 650),
        seg("2", 300, 40),  # the page number, under the 人员经费 column
    )
    return Page(number=1, text="", segments=first), Page(number=2, text="", segments=second)


def test_table_rows_carried_over_to_the_next_page_are_read() -> None:
    tables = list(pdf_tables(economic_table_pages()))
    assert [t.page for t in tables] == [1, 2]
    carried = tables[1]
    assert carried.title == "基本支出经济分类预算表" and carried.unit == "元"
    assert carried.rows[0] == tables[0].rows[0]  # the first page's header
    assert carried.rows[1:] == (
        ("商品和服务支出", "500.00", "0.00", "500.00"),
        ("合计", "1,500.00", "1,000.00", "500.00"),
    )  # and no row for the page number
    figures = table_figures(RawDocument("t.pdf", "pdf", economic_table_pages()), NO_FIELDS)
    found = {f.metric: f.value for f in reversed(figures)}
    assert found["expenditure_personnel"] == Decimal("1000")
    assert found["expenditure_public"] == Decimal("500")


def test_numbers_out_of_line_with_the_table_above_do_not_continue_it() -> None:
    tables = list(pdf_tables(economic_table_pages(shift=15.0)))
    assert [t.page for t in tables] == [1]


def test_label_beside_an_amount_takes_the_next_column() -> None:
    # a two-sided 收支 table: the expenditure side's numbering starts right after the amount
    segments = (
        seg("单位：元", 400, 740),
        seg("项目", 40, 700),
        seg("预算数", 120, 700),
        seg("项目", 240, 700),
        seg("预算数", 360, 700),
        seg("一、一般公共预算", 10, 650),
        seg("86,959,408.34", 110, 650),
        seg("一、", 190, 650),
        seg("公共安全支出", 210, 650),
        seg("79,189,400.34", 350, 650),
    )
    (table,) = page_tables(Page(number=1, text="", segments=segments))
    assert table.rows[1] == (
        "一、一般公共预算",
        "86,959,408.34",
        "一、 公共安全支出",
        "79,189,400.34",
    )


@given(st.lists(st.integers(0, 40), min_size=1, max_size=12), st.integers(-5, 45))
def test_nearest_column_is_the_closest_centre_and_the_first_of_a_tie(
    steps: list[int], step: int
) -> None:
    centres = sorted(5.0 * s for s in steps)  # on a grid, so that ties and repeats occur
    x = 5.0 * step
    assert nearest(centres, x) == min(range(len(centres)), key=lambda k: abs(centres[k] - x))


CORPUS_TABLE_FILES = [
    "js_rd_2019_budget_tables",
    "js_swbgt_2017_budget_tables",
    "js_swbgt_2018_budget_tables",
    "js_zx_2017_budget_tables",
]


@pytest.mark.parametrize("doc_id", CORPUS_TABLE_FILES)
def test_corpus_tables_only_files(shared_corpus: Path, doc_id: str) -> None:
    gold = {
        row["id"]: row
        for row in map(
            json.loads, (shared_corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        )
    }[doc_id]
    fields = DocumentFields(region=None, department=None, year=gold["year"], kind=gold["kind"])
    doc = read_pdf(shared_corpus / f"{doc_id}.pdf", doc_id)
    found: dict[str, Decimal] = {}
    for figure in table_figures(doc, fields):
        found.setdefault(figure.metric, figure.value)
    wrong = {m: (found.get(m), v) for m, v in gold["figures"].items() if found.get(m) != Decimal(v)}
    assert not wrong


def test_corpus_shanghai_tables_run_over_pages(shared_corpus: Path) -> None:
    # 经济分类 and 支出 tables end on a page of their own; their 合计 rows hold the splits
    doc_id = "sh_pt_sfj_2026_unit_budget"
    fields = DocumentFields(region=None, department=None, year=2026, kind="budget")
    doc = read_pdf(shared_corpus / f"{doc_id}.pdf", doc_id)
    found: dict[str, Decimal] = {}
    for figure in table_figures(doc, fields):
        found.setdefault(figure.metric, figure.value)
    assert found["revenue_general_public"] == Decimal("86959408.34")
    assert found["expenditure_basic"] == Decimal("22118861.34")
    assert found["expenditure_project"] == Decimal("64840547")
    assert found["expenditure_personnel"] == Decimal("20272981")
    assert found["expenditure_public"] == Decimal("1845880.34")


def test_runs_from_pdfium_rects_match_runs_from_character_boxes(
    tmp_path: Path, generator: ModuleType
) -> None:
    # the fast path pairs pdfium's rects with text-object groups; the slow one uses boxes
    path = generator.write_summary_yuan(tmp_path / "summary.pdf")
    pdf = pdfium.PdfDocument(str(path))
    pieces = 0
    try:
        for page in pdf:
            chars = PageChars(page.get_textpage())
            fast = list(run_pieces(chars, page_runs(chars)))
            slow = list(run_pieces(chars, list(sized_runs(chars))))
            assert fast == slow
            pieces += len(fast)
    finally:
        pdf.close()
    assert pieces > 10
