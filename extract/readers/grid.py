"""Grid tables as the Word, Excel and HTML readers build them: cells, captions, units, text."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from extract.model import Page, RawDocument, Table
from storage.errors import InputError

# "单位：万元", "单位:元", "（单位：亿元）", "金额单位：万元".
UNIT_RE = re.compile(r"单位\s*[:：]\s*(亿元|千万元|百万元|万元|千元|元)")
TABLE_ID_RE = re.compile(r"(公开\s*\d+\s*表|附表\s*\d+|表\s*\d+)")
CELL_SEPARATOR = " | "
# Whitespace between two CJK characters is a line wrap in the source, not a word break.
CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def clean_cell(text: str) -> str:
    """One cell's text on one line: whitespace runs collapsed, ends stripped."""
    return CJK_GAP.sub("", " ".join(text.replace("\xa0", " ").split()))


def unit_in(text: str) -> str | None:
    """The unit a '单位：万元' line declares, as written, or None."""
    match = UNIT_RE.search(text)
    return match.group(1) if match else None


def row_line(cells: Sequence[str]) -> str:
    """A table row as one text line for the narrative parser: non-empty cells joined by ' | '."""
    return CELL_SEPARATOR.join(cell for cell in cells if cell)


def tidy_rows(rows: Iterable[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """Clean cells, drop empty rows and trailing empty columns, pad rows to one width."""
    cleaned = [[clean_cell(cell) for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    width = max((max(i + 1 for i, c in enumerate(row) if c) for row in cleaned), default=0)
    return tuple(tuple((row + [""] * width)[:width]) for row in cleaned)


def caption_rows(rows: Sequence[Sequence[str]]) -> int:
    """How many leading rows of a sheet are its caption (title, table id, unit), not the table."""
    count = 0
    for row in rows:
        filled = [cell for cell in row if cell]
        if len(set(filled)) > 1 and not any(unit_in(cell) for cell in filled):
            break
        count += 1
    return count


def sheet_table(rows: Sequence[Sequence[str]], name: str | None, page: int | None) -> Table | None:
    """A spreadsheet's grid as a Table, with title, unit and table id taken from its caption."""
    grid = tidy_rows(rows)
    if not grid:
        return None
    head = grid[: caption_rows(grid)]
    words = [cell for row in head for cell in row if cell]
    unit = next((u for u in map(unit_in, words) if u), None)
    titles = [w for w in words if not unit_in(w) and not TABLE_ID_RE.fullmatch(w)]
    ids = [w for w in words if TABLE_ID_RE.fullmatch(w)]
    # The caption's unit often sits in a column the table itself does not use.
    body = tidy_rows(grid[len(head) :]) or grid
    return Table(
        rows=body,
        title=titles[0] if titles else None,
        unit=unit,
        page=page,
        name=ids[0] if ids else name,
    )


PUBLISHER_RE = re.compile(r"^(?:编制单位|部门|单位|预算单位)(?:名称)?\s*[:：]")


def caption_publisher(rows: Sequence[Sequence[str]]) -> str | None:
    """The '编制单位：…' cell of a sheet's caption, which names the department."""
    for row in rows[:6]:
        for cell in row:
            text = clean_cell(cell)
            if PUBLISHER_RE.match(text) and not unit_in(text):
                return text
    return None


def grid_text(table: Table) -> str:
    """A table's caption and rows as text lines, so sentences in cells reach the parser."""
    table_id = table.name if table.name and TABLE_ID_RE.fullmatch(table.name) else None
    unit = f"单位：{table.unit}" if table.unit else None
    lines = [line for line in (table_id, table.title, unit) if line]
    lines += [row_line(row) for row in table.rows]
    return "\n".join(line for line in lines if line)


def number_text(value: float | int) -> str:
    """A spreadsheet number as exact decimal text, without binary float noise."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return ""
    # Excel stores up to 17 digits (1467.7000000000001 for a SUM) but shows and
    # means 15 significant digits; rounding there drops only the float noise.
    exact = Decimal(format(value, ".15g"))
    if exact == 0:
        return "0"
    text = format(exact, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def workbook_document(
    source: str, fmt: str, sheets: Iterable[tuple[str, Sequence[Sequence[str]]]]
) -> RawDocument:
    """A workbook as a RawDocument: one page and one Table per non-empty sheet."""
    pages: list[Page] = []
    tables: list[Table] = []
    for name, rows in sheets:
        table = sheet_table(rows, name=name, page=len(pages) + 1)
        if table is None:
            continue
        tables.append(table)
        text = grid_text(table)
        publisher = caption_publisher(rows)
        # The publisher line goes last: the caption lines keep their place on top.
        text = f"{text}\n{publisher}" if publisher else text
        pages.append(Page(number=len(pages) + 1, text=text))
    if not pages:
        raise InputError(f"{source}: workbook has no non-empty sheet")
    return RawDocument(source=source, format=fmt, pages=tuple(pages), tables=tuple(tables))


def with_caption(table: Table, above: Sequence[str]) -> Table:
    """Fill a table's missing title, unit and id from the text lines just above it."""
    unit = table.unit or next((u for u in map(unit_in, reversed(above)) if u), None)
    name = table.name or next((line for line in above if TABLE_ID_RE.fullmatch(line)), None)
    titles = [line for line in above if not unit_in(line) and not TABLE_ID_RE.fullmatch(line)]
    title = table.title or (titles[-1] if titles else None)
    return Table(rows=table.rows, title=title, unit=unit, page=table.page, name=name)
