"""Excel 97 .xls via xlrd: each sheet one Table and one page, numbers without float noise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import xlrd

from extract.model import RawDocument
from extract.readers.grid import number_text, workbook_document
from storage.errors import InputError


def cell_text(cell: xlrd.sheet.Cell, datemode: int) -> str:
    """One xlrd cell as text; numbers exact, dates ISO, errors empty."""
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return number_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            return number_text(cell.value)
        return (
            moment.date().isoformat()
            if moment.time().isoformat() == "00:00:00"
            else moment.isoformat()
        )
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return str(cell.value)


def read_xls(path: Path, source: str) -> RawDocument:
    """Read every visible sheet of an .xls workbook."""
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct/index errors on damage
        raise InputError(
            f"{source}: damaged Excel 97 workbook ({type(exc).__name__}: {exc})"
        ) from exc
    try:
        return workbook_document(source, "xls", list(sheets(book, source)))
    finally:
        book.release_resources()


def sheets(book: xlrd.book.Book, source: str) -> Iterator[tuple[str, list[list[str]]]]:
    """Each visible sheet's name and rows of cell texts."""
    for index in range(book.nsheets):
        try:
            sheet = book.sheet_by_index(index)
        except Exception as exc:  # a damaged sheet record surfaces only when loaded
            raise InputError(f"{source}: sheet {index + 1}: cannot read ({exc})") from exc
        if sheet.visibility != 0:  # hidden sheets hold lookup lists, not the disclosed table
            continue
        rows = [[cell_text(c, book.datemode) for c in sheet.row(r)] for r in range(sheet.nrows)]
        yield sheet.name, rows
