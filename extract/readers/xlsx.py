"""Excel .xlsx via openpyxl (read-only, cached values): each sheet one Table and one page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl

from extract.model import RawDocument
from extract.readers.archive import check_ooxml
from extract.readers.grid import number_text, workbook_document
from storage.errors import InputError


def cell_text(value: object) -> str:
    """One openpyxl cell value as text; numbers exact, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, source: str) -> RawDocument:
    """Read every visible sheet of an .xlsx workbook (formula cells as their cached values)."""
    check_ooxml(path, source)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    # openpyxl raises KeyError, ValueError, InvalidFileException... on damaged parts.
    except Exception as exc:
        raise InputError(f"{source}: damaged Excel workbook ({type(exc).__name__}: {exc})") from exc
    try:
        return workbook_document(source, "xlsx", list(sheets(workbook, source)))
    finally:
        workbook.close()


def sheets(workbook: openpyxl.Workbook, source: str) -> Iterator[tuple[str, list[list[str]]]]:
    """Each visible sheet's name and rows of cell texts."""
    for sheet in workbook.worksheets:
        # Hidden sheets hold lookup lists and drafts, not the disclosed table.
        if sheet.sheet_state != "visible":
            continue
        try:
            rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # a damaged sheet part surfaces only while iterating
            raise InputError(f"{source}: sheet {sheet.title!r}: cannot read ({exc})") from exc
        yield sheet.title, rows
