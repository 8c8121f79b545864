"""Rebuild table grids from the positioned text segments of a PDF page.

Text extraction drops blank cells and reorders runs, so the grid is rebuilt by
position: segments are joined into cells along their baseline, header cells
define the columns (by x extent, whatever the header depth), and every body
cell is placed in the column whose header is nearest.  The first grid row holds
each column's header path ("“三公”经费/公务用车购置及运行费/小计").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from statistics import median

from extract.model import Page, Segment, Table

NUMERIC = re.compile(r"^[-－—]?\s*\d[\d,，]*(\.\d+)?$")
UNIT_LINE = re.compile(r"单\s*位\s*[:：]\s*(千万元|百万元|亿元|万元|千元|元)")
TITLE_END = re.compile(r"(表|公开\s*\d+\s*表|表[一二三四五六七八九十]+)$")
HEADER_SEP = "/"
UNIT_WORD = re.compile(r"^(千万元|百万元|亿元|万元|千元|元|万|亿|%|％)$")
QUOTES = "“”‘’\"'()（）"


@dataclass(slots=True)
class Cell:
    """A cell: joined segments of one line, with its box (centre and height precomputed)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    # Stored, not properties: line grouping reads them ~10 times per cell.
    cx: float = field(init=False)
    cy: float = field(init=False)
    height: float = field(init=False)

    def __post_init__(self) -> None:
        self.cx = (self.x0 + self.x1) / 2
        self.cy = (self.y0 + self.y1) / 2
        self.height = self.y1 - self.y0


def is_numeric(text: str) -> bool:
    """True for an amount cell such as '1,467.70', '0', '-14.8'."""
    return bool(NUMERIC.match(text.strip()))


def overlap(a: Cell, b: Cell) -> float:
    """Horizontal overlap of two boxes (negative: the gap between them)."""
    return min(a.x1, b.x1) - max(a.x0, b.x0)


def group_lines(segments: Sequence[Segment]) -> list[list[Cell]]:
    """Cluster segments into lines by vertical centre, top to bottom, each sorted by x."""
    cells = [Cell(text, s.x0, s.y0, s.x1, s.y1) for s in segments if (text := s.text.strip())]
    boxes = sorted(cells, key=attrgetter("cy"), reverse=True)  # stable, like key=-cy
    lines: list[list[Cell]] = []
    for cell in boxes:
        if lines:
            last = lines[-1]
            ref = last[0]
            # overlap, not centre distance: commas and full stops sit low on the line
            shared = min(ref.y1, cell.y1) - max(ref.y0, cell.y0)
            small = cell.height < 0.6 * ref.height
            needed = 0.0 if small else 0.5 * min(ref.height, cell.height)
            if shared > needed and abs(ref.cy - cell.cy) < ref.height:
                last.append(cell)
                continue
        lines.append([cell])
    return [join_fragments(sorted(line, key=attrgetter("x0"))) for line in lines]


def join_fragments(line: list[Cell]) -> list[Cell]:
    """Join runs split within one cell (letter-spaced WPS output, split quotes)."""
    cells: list[Cell] = []
    for frag in line:
        if cells and joins(cells[-1], frag):
            prev = cells[-1]
            cells[-1] = Cell(
                prev.text + frag.text,
                prev.x0,
                min(prev.y0, frag.y0),
                max(prev.x1, frag.x1),
                max(prev.y1, frag.y1),
            )
            continue
        cells.append(frag)
    return cells


def joins(prev: Cell, frag: Cell) -> bool:
    """True when ``frag`` continues the cell ``prev`` on its line (the gap is narrow enough)."""
    gap = frag.x0 - prev.x1
    size = max(prev.height, frag.height)
    if gap >= 0.7 * size:
        return False  # wider than any limit below: most cell pairs stop here
    limit = 0.4 * size
    if prev.text[-1:] in QUOTES or frag.text[:1] in QUOTES:
        limit = 0.7 * size
    # a number and a label side by side are two cells unless they touch ("2026年")
    boundary = prev.text[-1:].isdigit() != frag.text[:1].isdigit()
    if boundary and frag.text[:1] not in ",." and prev.text[-1:] not in ",.":
        limit = 0.2 * size
    return gap < limit


def attach_off_baseline(lines: list[list[Cell]]) -> list[list[Cell]]:
    """Merge a numbers-only line printed a few points off its row into that row (trap 5)."""
    merged: list[list[Cell]] = []
    for line in lines:
        if merged and all(is_numeric(c.text) for c in line):
            prev = merged[-1]
            top = min(c.y0 for c in prev)
            gap = top - max(c.y1 for c in line)
            height = median(c.height for c in prev)
            clash = any(overlap(a, b) > 0 for a in line for b in prev)
            if gap < 0.5 * height and not clash and any(is_numeric(c.text) for c in prev):
                merged[-1] = sorted(prev + line, key=lambda c: c.x0)
                continue
        merged.append(line)
    return merged


def line_text(line: list[Cell]) -> str:
    """The cells of a line joined by spaces."""
    return " ".join(c.text for c in line)


def split_regions(lines: list[list[Cell]]) -> list[tuple[str | None, str | None, list[list[Cell]]]]:
    """Split a page into (title, unit, lines below the unit line) per table."""
    anchors = [
        i for i, line in enumerate(lines) if UNIT_LINE.search(line_text(line).replace(" ", ""))
    ]
    if not anchors:
        titles = [i for i, line in enumerate(lines) if is_title(line)]
        if not titles:
            return [(None, None, lines)]
        anchors = titles
    regions: list[tuple[str | None, str | None, list[list[Cell]]]] = []
    start = 0
    for n, anchor in enumerate(anchors):
        end = anchors[n + 1] if n + 1 < len(anchors) else len(lines)
        above = [line_text(line) for line in lines[start:anchor] if not has_numbers(line)]
        # a caption is short and sits right above the unit line; prose above it is not:
        # a sentence (ending in 。) closes the prose, so the caption starts after it
        ends = [i for i, t in enumerate(above) if t.rstrip().endswith("。")]
        above = above[ends[-1] + 1 :] if ends else above
        # "部门：XX局" names the publisher; "部门收支总表" is a caption all the same
        title_lines = [
            t
            for t in above[-3:]
            if len(t) <= 60 and (is_title_text(t) or not t.startswith(("部门", "编制单位")))
        ]
        unit_match = UNIT_LINE.search(line_text(lines[anchor]).replace(" ", ""))
        # "2022年度支出决算表      单位：元": the caption may share the unit's line.
        title_lines += [t for t in same_line_caption(lines[anchor]) if is_title_text(t)]
        title = "".join("".join(title_lines).split()) or None
        if unit_match is None:
            title = line_text(lines[anchor])
        body_end = end
        # the next table's title lines sit just above its unit line
        while (
            n + 1 < len(anchors) and body_end - 1 > anchor and not has_numbers(lines[body_end - 1])
        ):
            body_end -= 1
        regions.append(
            (title, unit_match.group(1) if unit_match else None, lines[anchor + 1 : body_end])
        )
        start = body_end
    return regions


def is_title(line: list[Cell]) -> bool:
    """A caption line such as '2017年政府采购预算表' or '公开09表'."""
    return not has_numbers(line) and is_title_text(line_text(line))


def is_title_text(text: str) -> bool:
    """Caption text: short, ending in 表 (or 公开09表)."""
    text = "".join(text.split())
    return 2 < len(text) <= 60 and bool(TITLE_END.search(text))


def same_line_caption(line: list[Cell]) -> list[str]:
    """The cells of a unit line other than the unit itself (a title printed beside it)."""
    return [c.text for c in line if not UNIT_LINE.search(c.text.replace(" ", ""))]


def has_numbers(line: list[Cell]) -> bool:
    """True when some cell of the line is an amount."""
    return any(is_numeric(c.text) for c in line)


def header_columns(header: list[Cell]) -> list[tuple[float, str]]:
    """Columns as (centre x, header path) from the header cells of any depth."""
    if not header:
        return []
    tol = 0.25 * median(c.height for c in header)
    parents = [h for h in header if spans_columns(h, header, tol)]
    leaves = [h for h in header if not any(h is p for p in parents)]
    chains = chain_fragments(leaves, tol)
    chains.sort(key=lambda c: c.cx)
    columns: list[tuple[float, str]] = []
    for i, chain in enumerate(chains):
        left = (chains[i - 1].cx + chain.cx) / 2 if i else chain.x0 - 1e6
        right = (chain.cx + chains[i + 1].cx) / 2 if i + 1 < len(chains) else chain.x1 + 1e6
        zone = Cell("", left, chain.y0, right, chain.y1)
        above = sorted((p for p in parents if overlap(p, zone) > tol), key=lambda p: -p.cy)
        columns.append((chain.cx, HEADER_SEP.join([p.text for p in above] + [chain.text])))
    return columns


def spans_columns(cell: Cell, header: list[Cell], tol: float) -> bool:
    """True when two side-by-side header cells below this one fall under it (a parent)."""
    below = [h for h in header if h.cy < cell.cy - tol and overlap(h, cell) > tol]
    if below:
        return any(overlap(a, b) < -tol for a in below for b in below if a is not b)
    # A short centred caption ("收入", "支出") over wide columns overlaps none of
    # them: it is a parent when lower header cells of one level flank it.
    lower = [h for h in header if h.cy < cell.cy - 0.5 * cell.height]
    left = max((h for h in lower if h.x1 <= cell.cx), key=lambda h: h.x1, default=None)
    right = min((h for h in lower if h.x0 >= cell.cx), key=lambda h: h.x0, default=None)
    return left is not None and right is not None and abs(left.cy - right.cy) < 0.5 * cell.height


def chain_fragments(cells: list[Cell], tol: float) -> list[Cell]:
    """Join header fragments stacked in one column ('因公出国' over '（境）费')."""
    group = list(range(len(cells)))

    def find(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(cells):
        for j in range(i + 1, len(cells)):
            b = cells[j]
            stacked = abs(a.cy - b.cy) > 0.3 * min(a.height, b.height)
            if stacked and overlap(a, b) > -tol:
                group[find(i)] = find(j)
    members: dict[int, list[Cell]] = {}
    for i, cell in enumerate(cells):
        members.setdefault(find(i), []).append(cell)
    chains = []
    for parts in members.values():
        parts.sort(key=lambda c: (-round(c.cy), c.x0))
        chains.append(
            Cell(
                "".join(p.text for p in parts),
                min(p.x0 for p in parts),
                min(p.y0 for p in parts),
                max(p.x1 for p in parts),
                max(p.y1 for p in parts),
            )
        )
    return chains


def place(cells: list[Cell], centres: list[float]) -> tuple[str, ...]:
    """Put each cell of a body line into the column with the nearest centre."""
    row = [""] * len(centres)
    numeric = [is_numeric(c.text) for c in cells]
    numbers = [c for c, number in zip(cells, numeric, strict=True) if number]
    for cell, index in zip(numbers, assign_in_order([c.cx for c in numbers], centres), strict=True):
        row[index] = cell.text
    taken = {i for i, text in enumerate(row) if text}
    for cell, number in zip(cells, numeric, strict=True):
        if not number:
            index = label_column(centres, cell, taken)
            row[index] = f"{row[index]} {cell.text}".strip()
    return tuple(row)


def label_column(centres: list[float], cell: Cell, amounts: set[int]) -> int:
    """The column of a text cell: the nearest, unless an amount holds it.

    A label that starts just right of an amount ('一、' of the expenditure side
    in a two-sided 收支 table) belongs to the next column, not glued to the
    amount, which would then no longer read as one.  A unit ('万元') stays.
    """
    index = nearest(centres, cell.cx)
    if index not in amounts or UNIT_WORD.match(cell.text):
        return index
    step = 1 if cell.cx > centres[index] else -1
    other = index + step
    if 0 <= other < len(centres) and other not in amounts:
        return other
    return index


def nearest(centres: list[float], x: float) -> int:
    """Index of the centre nearest to x (the lower one on a tie); centres are sorted."""
    k = bisect_left(centres, x)
    if k == len(centres) or (k > 0 and x - centres[k - 1] <= centres[k] - x):
        return bisect_left(centres, centres[k - 1])  # the first of equal centres
    return k


def assign_in_order(xs: list[float], centres: list[float]) -> list[int]:
    """Map sorted x positions to strictly increasing columns with the least total distance."""
    n, m = len(xs), len(centres)
    if n > m:
        return [nearest(centres, x) for x in xs]
    inf = float("inf")
    # best[i][k]: least cost placing the first i values, value i-1 in a column < k
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    best[0] = [0.0] * (m + 1)
    for i in range(1, n + 1):
        before, row, x = best[i - 1], best[i], xs[i - 1]
        # value i-1 needs i-1 columns before it and n-i after it; the rest stays infinite
        for k in range(i, m - n + i + 1):
            use = before[k - 1] + abs(x - centres[k - 1])
            row[k] = row[k - 1] if row[k - 1] <= use else use
    columns: list[int] = []
    k = m
    for i in range(n, 0, -1):
        while best[i][k] == best[i][k - 1]:
            k -= 1
        columns.append(k - 1)
        k -= 1
    return columns[::-1]


@dataclass(frozen=True)
class Layout:
    """A table's columns, kept to read the rows it carries over onto the next page."""

    title: str | None
    unit: str | None
    columns: list[tuple[float, str]]
    edges: frozenset[int]  # rounded left and right edges of its amount cells


def region_table(
    title: str | None, unit: str | None, lines: list[list[Cell]], page: int
) -> tuple[Table | None, Layout | None]:
    """Build one Table from the lines under a table's unit line, and its column layout."""
    first_data = next((i for i, line in enumerate(lines) if has_numbers(line)), None)
    if first_data is None:
        return None, None
    header = [c for line in lines[:first_data] for c in line]
    columns = header_columns(header)
    body = lines[first_data:]
    if len(columns) < 2:
        rows = [tuple(c.text for c in line) for line in body]
        return Table(rows=tuple(rows), title=title, unit=unit, page=page), None
    centres = [c for c, _ in columns]
    rows = [tuple(label for _, label in columns)] + [place(line, centres) for line in body]
    edges = frozenset(
        round(x) for line in body for c in line if is_numeric(c.text) for x in (c.x0, c.x1)
    )
    table = Table(rows=tuple(rows), title=title, unit=unit, page=page)
    return table, Layout(title, unit, columns, edges)


def continued_table(layout: Layout, lines: list[list[Cell]], page: int) -> Table | None:
    """The rows a table carries over onto a page without its own caption (the 合计 row often).

    A line belongs to the table only when every amount in it lines up (left or
    right edge, within 2pt) with the amounts of the page before: same template,
    same columns.  Prose, page numbers and other layouts do not.
    """
    centres = [c for c, _ in layout.columns]
    rows = [
        place(line, centres)
        for line in lines
        if has_numbers(line)
        and all(aligned(c, layout.edges) for c in line if is_numeric(c.text))
        and (len(line) > 1)
    ]
    if not rows:
        return None
    header = tuple(label for _, label in layout.columns)
    return Table(rows=(header, *rows), title=layout.title, unit=layout.unit, page=page)


def aligned(cell: Cell, edges: frozenset[int]) -> bool:
    """True when the cell's left or right edge is within 2pt of a known column edge."""
    return any(round(x) + d in edges for x in (cell.x0, cell.x1) for d in (-2, -1, 0, 1, 2))


def pdf_tables(pages: Sequence[Page]) -> Iterator[Table]:
    """Every table of a PDF's pages, rows carried over onto following pages included."""
    layout: Layout | None = None
    for page in pages:
        tables, layout = page_tables_after(page, layout)
        yield from tables


def page_tables(page: Page) -> list[Table]:
    """Every table on a PDF page, rebuilt from its segments."""
    return page_tables_after(page, None)[0]


def page_tables_after(page: Page, carried: Layout | None) -> tuple[list[Table], Layout | None]:
    """The tables of a page, given the layout of the table the previous page ended with."""
    if not page.segments:
        return [], None
    lines = attach_off_baseline(group_lines(page.segments))
    tables = []
    layout = None
    for title, unit, region in split_regions(lines):
        if title is None and unit is None:
            # prose pages and untitled fragments are the narrative's business, unless
            # the previous page's table runs on here
            table = continued_table(carried, region, page.number) if carried else None
            layout = carried if table is not None else None
        else:
            table, layout = region_table(title, unit, region, page.number)
        if table is not None:
            tables.append(table)
    return tables, layout
