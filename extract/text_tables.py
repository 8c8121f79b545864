"""Tables flattened into text lines, as web-page texts hold them.

Two shapes occur: one row per line with cells separated by ``|``
("合计 | 2911.47 | 2706.86 | -204.61 |"), and one cell per line ending in ``|``,
where a row is only recoverable from the header's column count.  Both become
``Table`` grids; the caption and 单位 lines just above become title and unit.
"""

from __future__ import annotations

import re

from extract.model import Page, Table

UNIT_LINE = re.compile(r"单\s*位\s*[:：]\s*(千万元|百万元|亿元|万元|千元|元)")
NUMBER_CELL = re.compile(r"^[-－—]?\d[\d,，]*(\.\d+)?%?$")


def text_tables(page: Page) -> list[Table]:
    """Every ``|``-flattened table of a text page."""
    lines = page.text.split("\n")
    tables: list[Table] = []
    index = 0
    while index < len(lines):
        if "|" not in lines[index]:
            index += 1
            continue
        end = index
        while end < len(lines) and ("|" in lines[end] or not lines[end].strip()):
            end += 1
        table = block_table(lines, index, end, page.number)
        if table is not None:
            tables.append(table)
        index = end
    return tables


def block_table(lines: list[str], start: int, end: int, page: int) -> Table | None:
    """A Table from lines[start:end] (all holding '|'), with caption lines above."""
    block = [line for line in lines[start:end] if line.strip()]
    cells_per_line = [split_cells(line) for line in block]
    if all(len(cells) <= 1 for cells in cells_per_line):
        rows = one_cell_rows([cells[0] if cells else "" for cells in cells_per_line])
    else:
        rows = join_split_rows([cells for cells in cells_per_line if any(cells)])
    if not any(NUMBER_CELL.match(cell) for row in rows for cell in row):
        return None
    head = next((i for i, row in enumerate(rows) if row and re.match(r"^项\s*目", row[0])), 0)
    above = lines[max(0, start - 3) : start] + [cell for row in rows[:head] for cell in row]
    title, unit = caption(above)
    rows = rows[head:]
    width = max(len(row) for row in rows)
    return Table(
        rows=tuple(pad_row(row, width, i, rows) for i, row in enumerate(rows)),
        title=title,
        unit=unit,
        page=page,
    )


def join_split_rows(rows: list[list[str]]) -> list[list[str]]:
    """Put a row label that web text left on a line of its own back on its numbers.

    "总计 |" then "268.42 | 总计 | 268.42 |", or "合计 |" then " | | 3,452.18 | …":
    the label goes into the leading blank cell, or before the leading number.
    """
    result: list[list[str]] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        following = rows[index + 1] if index + 1 < len(rows) else []
        alone = len(row) == 1 and row[0] and not NUMBER_CELL.match(row[0])
        if alone and len(following) > 1 and any(NUMBER_CELL.match(c) for c in following):
            if not following[0]:
                result.append([row[0], *following[1:]])
                index += 2
                continue
            if NUMBER_CELL.match(following[0]):
                result.append([row[0], *following])
                index += 2
                continue
        result.append(row)
        index += 1
    return result


def pad_row(row: list[str], width: int, index: int, rows: list[list[str]]) -> tuple[str, ...]:
    """Pad a row to the grid width; a short second header line sits under the last columns."""
    filled = [cell for cell in row if cell]
    before_data = not any(NUMBER_CELL.match(cell) for r in rows[: index + 1] for cell in r)
    if index > 0 and before_data and len(filled) < width - 1:
        return ("",) * (width - len(filled)) + tuple(filled)
    return tuple(row) + ("",) * (width - len(row))


def split_cells(line: str) -> list[str]:
    """'合计 | 2911.47 | 2706.86 |' → ['合计', '2911.47', '2706.86']."""
    cells = [cell.strip() for cell in line.split("|")]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def one_cell_rows(cells: list[str]) -> list[list[str]]:
    """Regroup one-cell-per-line text into rows of the header's width."""
    start = next((i for i, cell in enumerate(cells) if re.match(r"^项\s*目", cell)), None)
    if start is None:
        return [[cell] for cell in cells]
    width = 1
    while (
        start + width < len(cells)
        and cells[start + width]
        and not NUMBER_CELL.match(cells[start + width])
    ):
        if len(cells[start + width]) > 12:
            break
        width += 1
    # the first data row starts with a label: stop the header before it
    if width > 2 and start + width < len(cells) and NUMBER_CELL.match(cells[start + width] or "0"):
        width -= 1
    body = cells[start:]
    rows = [[cell] for cell in cells[:start]]
    rows += [body[i : i + width] for i in range(0, len(body), width)]
    return rows


def caption(lines: list[str]) -> tuple[str | None, str | None]:
    """(title, unit) from the lines just above or at the top of a table."""
    title = None
    unit = None
    for line in lines:
        text = line.replace("|", "").strip()
        match = UNIT_LINE.search(text)
        if match:
            unit = match.group(1)
        elif text.endswith("表") or "三公" in text:
            title = text
    return title, unit
