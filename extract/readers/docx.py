"""Word .docx via python-docx: paragraphs and tables in body order, tables also as grids."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from extract.model import Page, RawDocument, Table
from extract.readers.archive import check_ooxml
from extract.readers.grid import clean_cell, row_line, sheet_table, with_caption
from storage.errors import InputError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CAPTION_LOOKBACK = 3  # paragraphs above a table searched for its title and unit


def read_docx(path: Path, source: str, fmt: str = "docx") -> RawDocument:
    """Read a .docx: text split at hard page breaks, each table a Table with title and unit."""
    check_ooxml(path, source)
    try:
        document = docx.Document(str(path))
        blocks = list(document.iter_inner_content())
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged parts
        raise InputError(f"{source}: damaged Word document ({type(exc).__name__}: {exc})") from exc
    pages: list[list[str]] = [[]]
    tables: list[Table] = []
    recent: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            add_paragraph(block, pages, recent)
        elif isinstance(block, DocxTable):
            table = word_table(block, recent[-CAPTION_LOOKBACK:], page=len(pages))
            recent = []
            if table is not None:
                tables.append(table)
                pages[-1] += [row_line(row) for row in table.rows]
    texts = ["\n".join(lines) for lines in pages]
    if not any(text.strip() for text in texts):
        raise InputError(f"{source}: Word document holds no text")
    return RawDocument(
        source=source,
        format=fmt,
        pages=tuple(Page(number=i + 1, text=text) for i, text in enumerate(texts)),
        tables=tuple(tables),
    )


def add_paragraph(paragraph: Paragraph, pages: list[list[str]], recent: list[str]) -> None:
    """Append a paragraph's text to the current page, opening new pages at hard breaks."""
    before, after = page_breaks(paragraph)
    if before and pages[-1]:
        pages.append([])
    text = clean_cell(paragraph.text)
    if text:
        pages[-1].append(text)
        recent.append(text)
    if after:
        pages.append([])


def page_breaks(paragraph: Paragraph) -> tuple[bool, bool]:
    """Whether a paragraph starts a new page before it, and whether one starts after it."""
    before = bool(paragraph.paragraph_format.page_break_before)
    after = False
    seen_text = False
    for element in paragraph._p.iter(f"{W}t", f"{W}br"):
        if element.tag == f"{W}t":
            seen_text = seen_text or bool((element.text or "").strip())
        elif element.get(f"{W}type") == "page":
            after, before = (True, before) if seen_text else (after, True)
    return before, after


def word_table(block: DocxTable, above: list[str], page: int) -> Table | None:
    """A Word table as a Table; title, unit and id from the table's caption rows or the text above."""
    rows = [[cell.text for cell in row.cells] for row in block.rows]
    table = sheet_table(rows, name=None, page=page)
    if table is None:
        return None
    return with_caption(table, above)
