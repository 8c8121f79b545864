"""Render a disclosure's Report into PDF, DOCX, XLSX, XLS and ZIP bytes, deterministically.

Office files and ZIPs carry timestamps; they are pinned (zip entry dates and docProps/core.xml)
so that the same report always gives the same bytes and sha256.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from datetime import datetime
from functools import lru_cache

from crawler.sample_portal.narrative import Report, Table, report

FIXED_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
FIXED_ISO = "2024-01-01T00:00:00Z"
CJK_FONT = "STSong-Light"
_NUMBER = re.compile(r"^-?[\d,]+\.\d{2}$")


def _cell_value(text: str) -> float | str:
    """Spreadsheet tables hold numbers as numbers, like the real 公开表."""
    return float(text.replace(",", "")) if _NUMBER.match(text) else text


def _pinned_zip(raw: bytes) -> bytes:
    """Rewrite a ZIP with fixed entry dates and fixed core.xml timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_ISO.encode(),
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Break a paragraph into lines at punctuation so figures are never split across lines."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    clauses = re.findall(r"[^，。；：、）]*[，。；：、）]?", text)
    lines, line = [], ""
    for clause in filter(None, clauses):
        if line and stringWidth(line + clause, CJK_FONT, size) > width:
            lines.append(line)
            line = ""
        line += clause
    return [*lines, line] if line else lines


def render_pdf(rep: Report) -> bytes:
    """A text PDF in the Adobe STSong-Light CID font (not embedded, as many county PDFs are)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1)
    canvas.setTitle(rep.title)
    lines: list[tuple[float, str]] = [(16, rep.title)]
    lines += [(10.5, line) for p in rep.paragraphs for line in _wrap(p, A4[0] - 120, 10.5)]
    for table in rep.tables:
        lines += [(12, table.name), (10.5, f"单位：{table.unit}")]
        lines += [(10.5, "    ".join(row)) for row in (table.header, *table.rows)]
    y = A4[1] - 70
    for size, text in lines:
        if y < 60:
            canvas.showPage()
            y = A4[1] - 70
        canvas.setFont(CJK_FONT, size)
        canvas.drawString(60, y, text)
        y -= size * 1.8
    canvas.save()
    return buf.getvalue()


def render_docx(rep: Report) -> bytes:
    """A Word document with the narrative and real tables."""
    import docx

    document = docx.Document()
    document.core_properties.created = datetime(2024, 1, 1)
    document.core_properties.modified = datetime(2024, 1, 1)
    document.add_heading(rep.title, level=1)
    for paragraph in rep.paragraphs:
        document.add_paragraph(paragraph)
    for table in rep.tables:
        document.add_paragraph(table.name)
        document.add_paragraph(f"单位：{table.unit}")
        grid = document.add_table(rows=0, cols=len(table.header))
        for row in (table.header, *table.rows):
            cells = grid.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    buf = io.BytesIO()
    document.save(buf)
    return _pinned_zip(buf.getvalue())


def _sheet_rows(rep: Report, table: Table) -> list[list[float | str]]:
    # A 公开表 sheet is headed by its table's name; the document's title heads the 说明 sheet.
    head: list[list[float | str]] = [[table.name], [f"单位：{table.unit}"], list(table.header)]
    return head + [[_cell_value(cell) for cell in row] for row in table.rows]


def render_xlsx(rep: Report) -> bytes:
    """An Excel workbook: one sheet per table and a 公开说明 sheet with the narrative."""
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "公开说明"
    for paragraph in (rep.title, *rep.paragraphs):
        notes.append([paragraph])
    for index, table in enumerate(rep.tables, start=1):
        sheet = book.create_sheet(f"表{index}")
        for row in _sheet_rows(rep, table):
            sheet.append(row)
    book.properties.created = datetime(2024, 1, 1)
    buf = io.BytesIO()
    book.save(buf)
    return _pinned_zip(buf.getvalue())


def render_xls(rep: Report) -> bytes:
    """A legacy BIFF8 .xls workbook, as many county 公开表 still are."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("公开说明")
    for r, paragraph in enumerate((rep.title, *rep.paragraphs)):
        notes.write(r, 0, paragraph)
    for index, table in enumerate(rep.tables, start=1):
        sheet = book.add_sheet(f"表{index}")
        for r, row in enumerate(_sheet_rows(rep, table)):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def render_zip(rep: Report) -> bytes:
    """A ZIP holding the PDF 说明 and the XLSX 公开表."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in (
            (f"{rep.title}.pdf", render_pdf(rep)),
            (f"{rep.title}报表.xlsx", render_xlsx(rep)),
        ):
            entry = zipfile.ZipInfo(name, FIXED_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return buf.getvalue()


RENDERERS = {
    "pdf": render_pdf,
    "docx": render_docx,
    "xlsx": render_xlsx,
    "xls": render_xls,
    "zip": render_zip,
}


# reportlab keeps its font registry in module globals; one renderer at a time keeps handler
# threads from racing on it (rendering is CPU-bound under the GIL anyway).
_RENDER_LOCK = threading.Lock()


@lru_cache(maxsize=512)
def attachment_bytes(key: str, fmt: str, version: int = 0) -> bytes:
    """The bytes of a disclosure's attachment in a format (cached; callers pin the version)."""
    with _RENDER_LOCK:
        return RENDERERS[fmt](report(key, version))


def broken_pdf(key: str) -> bytes:
    """The first half of a disclosure's PDF, as a server that cut the upload short serves it."""
    pdf = attachment_bytes(key, "pdf")
    return pdf[: len(pdf) // 2]


@lru_cache(maxsize=8)
def oversized_pdf(key: str, megabytes: float) -> bytes:
    """A valid PDF padded with comment lines to ``megabytes`` (a scanned-size 公开表)."""
    pdf = attachment_bytes(key, "pdf")
    startxref = pdf[pdf.rindex(b"startxref") :]
    pad_line_count = max(0, int(megabytes * 1024 * 1024) - len(pdf)) // 130 + 1
    seed = hashlib.shake_256(key.encode()).hexdigest(64)
    padding = b"".join(b"%" + seed.encode() + b"\n" for _ in range(pad_line_count))
    # A trailing startxref again keeps the original xref reachable from the end of the file.
    return pdf + padding + startxref


@lru_cache(maxsize=8)
def news_pdf(title: str) -> bytes:
    """A one-page PDF for a news item (not a disclosure)."""
    text = f"{title}。报告全文略，本文件为政府预算报告，不属于部门预算公开。"
    with _RENDER_LOCK:
        return render_pdf(Report(title, (text,), ()))
