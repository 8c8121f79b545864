"""Each reader on a generated document: text in order, tables as grids, exact numbers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.readers import read_document, sniff_format
from extract.readers.doc import find_soffice
from extract.readers.grid import number_text
from tests.fixtures import documents

ROW_LINES = [" | ".join(row) for row in documents.TABLE_ROWS]


def assert_budget_table(doc_tables: tuple, page: int) -> None:  # type: ignore[type-arg]
    """The fixture's 三公 table, with its caption, unit, id and page."""
    table = next(t for t in doc_tables if t.title == documents.TABLE_TITLE)
    assert table.rows == documents.TABLE_ROWS
    assert (table.unit, table.name, table.page) == ("万元", documents.TABLE_ID, page)


def test_docx_keeps_body_order_page_breaks_and_tables(tmp_path: Path) -> None:
    doc = read_document(documents.write_docx(tmp_path / "budget.docx"))
    assert doc.format == "docx"
    assert [p.number for p in doc.pages] == [1, 2], "the hard page break starts page 2"
    assert doc.pages[0].text.splitlines() == [documents.TITLE, *documents.NARRATIVE]
    lines = doc.pages[1].text.splitlines()
    assert (
        lines.index(documents.UNIT_LINE)
        < lines.index(ROW_LINES[0])
        < lines.index("注：本表数据为预算数。")
    )
    assert lines[lines.index(ROW_LINES[0]) :][: len(ROW_LINES)] == ROW_LINES
    assert_budget_table(doc.tables, page=2)


@pytest.mark.parametrize(
    ("writer", "suffix"), [(documents.write_xlsx, ".xlsx"), (documents.write_xls, ".xls")]
)
def test_workbook_sheets_become_tables_with_exact_numbers(
    writer: Callable[[Path], Path], suffix: str, tmp_path: Path
) -> None:
    doc = read_document(writer(tmp_path / f"budget{suffix}"))
    assert doc.format == suffix[1:]
    assert_budget_table(doc.tables, page=1)
    floats = next(t for t in doc.tables if t.name == "数值")
    assert [row[0] for row in floats.rows[1:]] == [text for _value, text in documents.FLOAT_CELLS]
    assert "不应读取" not in doc.text, "hidden sheets are not read"
    assert "1467.7 | 浮点" in doc.pages[1].text
    assert doc.pages[0].text.splitlines()[:3] == [
        documents.TABLE_ID,
        documents.TABLE_TITLE,
        documents.UNIT_LINE,
    ]


@given(
    st.decimals(
        min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_number_text_gives_back_the_decimal_a_spreadsheet_float_stands_for(value: Decimal) -> None:
    assert Decimal(number_text(float(value))) == value
    assert "e" not in number_text(float(value)).lower()


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("gbk", "gbk"),
        ("gbk", "gb2312"),
        ("gbk", None),
        ("gbk", "utf-8"),
        ("utf-8", "gb2312"),
        ("utf-8", "utf-8"),
    ],
)
def test_html_decodes_without_mojibake(encoding: str, declared: str | None, tmp_path: Path) -> None:
    doc = read_document(documents.write_html(tmp_path / "page.html", encoding, declared))
    assert documents.NARRATIVE[1] in doc.text, f"{encoding} page declaring {declared}"
    assert "\ufffd" not in doc.text


def test_html_drops_scripts_and_nav_and_keeps_tables_as_grids_and_lines(tmp_path: Path) -> None:
    doc = read_document(documents.write_html(tmp_path / "page.html"))
    assert "脚本内容" not in doc.text and "导航栏" not in doc.text and "color" not in doc.text
    assert_budget_table(doc.tables, page=1)
    assert len(doc.tables) == 1, "the layout table around the page is not a data table"
    lines = doc.text.splitlines()
    start = lines.index(ROW_LINES[0])
    assert lines[start : start + len(ROW_LINES)] == ROW_LINES


def test_html_spans_fill_the_grid(tmp_path: Path) -> None:
    page = tmp_path / "spans.html"
    page.write_text(
        "<table><tr><th rowspan=2>项目</th><th colspan=2>预算数</th></tr>"
        "<tr><th>本年</th><th>上年</th></tr><tr><td>公务接待费</td><td>2.3</td><td>2.5</td></tr></table>",
        encoding="utf-8",
    )
    rows = read_document(page).tables[0].rows
    assert rows == (
        ("项目", "预算数", "预算数"),
        ("项目", "本年", "上年"),
        ("公务接待费", "2.3", "2.5"),
    )


def test_zip_members_merge_into_one_document_in_name_order(tmp_path: Path) -> None:
    doc = read_document(documents.write_bundle_zip(tmp_path / "bundle.zip", tmp_path / "parts"))
    assert doc.format == "zip"
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    members = [p.member for p in doc.pages]
    assert members == ["1.预算说明.docx"] * 2 + ["2.预算表.xlsx"] * 2
    assert doc.pages[0].text.startswith(documents.TITLE)
    assert [t.page for t in doc.tables if t.title == documents.TABLE_TITLE] == [2, 3]


def test_office_document_inside_an_unlabelled_zip_is_read_as_such(tmp_path: Path) -> None:
    docx_bytes = documents.write_docx(tmp_path / "a.docx").read_bytes()
    (tmp_path / "download.zip").write_bytes(docx_bytes)
    doc = read_document(tmp_path / "download.zip")
    assert doc.format == "docx"
    assert_budget_table(doc.tables, page=2)


def test_chinese_pdf_fixture_has_a_text_layer(tmp_path: Path) -> None:
    doc = read_document(documents.write_pdf(tmp_path / "budget.pdf"))
    assert doc.format == "pdf" and len(doc.pages) == 2
    assert documents.NARRATIVE[1] in doc.pages[0].text


def test_doc_is_converted_or_refused_with_install_advice() -> None:
    source = documents.FILES / "budget.doc"
    if find_soffice() is None:
        with pytest.raises(Exception, match="apt-get install libreoffice-writer-nogui") as raised:
            read_document(source)
        assert raised.type.__name__ == "InputError", "path taken: LibreOffice absent"
        return
    doc = read_document(source)
    assert doc.format == "doc", "path taken: LibreOffice present, .doc converted"
    assert doc.pages[0].text.splitlines()[1:] == list(documents.NARRATIVE), "path taken: converted"
    assert_budget_table(doc.tables, page=2)


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("report.doc", b"%PDF-1.7", "pdf"),
        ("report.pdf", b"<!DOCTYPE html><html>", "html"),
        ("report.xls", b"\xd0\xcf\x11\xe0", "xls"),
        ("report.doc", b"\xd0\xcf\x11\xe0", "doc"),
        ("report.doc", b"{\\rtf1\\ansi", "doc"),
        ("report.docx", b"PK\x03\x04", "docx"),
        ("download", b"PK\x03\x04", "zip"),
    ],
)
def test_format_is_sniffed_from_leading_bytes_before_suffix(
    name: str, head: bytes, expected: str
) -> None:
    assert sniff_format(Path(name), head) == expected
