"""Table grids rebuilt from positioned PDF text (generated PDFs, and the corpus when present)."""

from __future__ import annotations

import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from extract.fields import DocumentFields
from extract.model import Page, Segment
from extract.pdf_tables import assign_in_order, page_tables
from extract.readers.pdf import read_pdf
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
