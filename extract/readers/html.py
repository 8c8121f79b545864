"""HTML pages: decoded by their declared charset (checked), text in blocks, tables as grids.

Each innermost <table> becomes a Table and also text lines with cells joined
by " | ", so the narrative parser still sees sentences written in cells.
Tables that contain tables are page layout (common on older portals) and
are read as ordinary blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from extract.model import Page, RawDocument, Table
from extract.readers.grid import clean_cell, row_line, sheet_table, with_caption
from extract.readers.text import decode_bytes, looks_binary
from storage.errors import InputError

SKIP = frozenset({
    "script", "style", "noscript", "template", "nav", "iframe", "svg", "select", "button", "object",
})  # fmt: skip
VOID = frozenset({
    "br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track",
    "wbr", "param",
})  # fmt: skip
BLOCK = frozenset({
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
    "section", "article", "header", "footer", "title", "blockquote", "pre", "dl", "dt", "dd",
    "form", "center", "caption", "main", "aside", "figure", "figcaption", "address",
})  # fmt: skip
# Starting the key tag closes open elements of these tags (HTML's implied end tags).
IMPLIED_END = {
    "p": {"p"},
    "li": {"li"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
}
MAX_DEPTH = 256  # deeper nesting is flattened, so hostile pages cannot exhaust the stack
MAX_SPAN = 64  # colspan/rowspan above this are typos or attacks
CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
XML_ENCODING_RE = re.compile(
    rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.IGNORECASE
)


@dataclass
class Element:
    """A parsed element: just enough tree for text and tables."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)


class TreeBuilder(HTMLParser):
    """Builds an Element tree from tag soup, forgiving unclosed and stray tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        while self.stack[-1].tag in IMPLIED_END.get(tag, ()):
            self.stack.pop()
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag or XML declaration, if any."""
    head = data[:8192]
    match = CHARSET_RE.search(head) or XML_ENCODING_RE.search(head)
    return match.group(1).decode("ascii") if match else None


def read_html(path: Path, source: str) -> RawDocument:
    """Read an HTML page into one page of text lines plus its data tables."""
    data = path.read_bytes()
    if looks_binary(data):
        raise InputError(f"{source}: binary data, not an HTML page")
    builder = TreeBuilder()
    builder.feed(decode_bytes(data, declared_charset(data), where=source))
    builder.close()
    flat = Flattener()
    flat.walk(builder.root)
    flat.flush()
    text = "\n".join(flat.lines)
    if not text.strip():
        raise InputError(f"{source}: HTML page holds no text")
    return RawDocument(
        source=source, format="html", pages=(Page(1, text),), tables=tuple(flat.tables)
    )


class Flattener:
    """Walks the tree into text lines (block by block) and data tables."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[Table] = []
        self.inline: list[str] = []

    def flush(self) -> None:
        """End the current line."""
        line = clean_cell("".join(self.inline))
        self.inline = []
        if line:
            self.lines.append(line)

    def walk(self, node: Element) -> None:
        """Add a node's content in document order."""
        for child in node.children:
            if isinstance(child, str):
                self.inline.append(child)
            elif child.tag in SKIP:
                continue
            elif child.tag == "table" and not contains(child, "table"):
                self.flush()
                self.add_table(child)
            elif child.tag == "br":
                self.flush()
            elif child.tag in BLOCK:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def add_table(self, node: Element) -> None:
        """Add a data table as a Table and as ' | ' text lines."""
        caption = " ".join(inner_text(c) for c in descendants(node, "caption"))
        above = [*self.lines[-3:], *([clean_cell(caption)] if caption.strip() else [])]
        table = sheet_table(table_grid(node), name=None, page=1)
        if table is None:
            return
        table = with_caption(table, above)
        self.tables.append(table)
        self.lines += [row_line(row) for row in table.rows]


def contains(node: Element, tag: str) -> bool:
    """Whether any descendant of node has this tag."""
    return any(True for _ in descendants(node, tag))


def descendants(node: Element, tag: str, stop: str | None = None) -> list[Element]:
    """Descendants with this tag, in order, not looking inside elements tagged `stop`."""
    found: list[Element] = []
    pending = list(reversed(node.children))
    while pending:
        child = pending.pop()
        if isinstance(child, str):
            continue
        if child.tag == tag:
            found.append(child)
        if child.tag != stop and child.tag not in SKIP:
            pending.extend(reversed(child.children))
    return found


def inner_text(node: Element) -> str:
    """All text inside node, skipping scripts and styles, as one string."""
    parts: list[str] = []
    pending: list[Element | str] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
        elif item.tag == "br":
            parts.append(" ")
        elif item.tag not in SKIP:
            pending.extend(reversed(item.children))
    return "".join(parts)


def span(cell: Element, name: str) -> int:
    """A cell's colspan or rowspan, clamped to something sane."""
    value = cell.attrs.get(name, "1").strip()
    return min(max(int(value), 1), MAX_SPAN) if value.isdigit() else 1


def table_grid(node: Element) -> list[list[str]]:
    """The table's cells as a grid, with spanned cells repeated like Word's merged cells."""
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column → (text, rows still to fill)
    for tr in descendants(node, "tr"):
        row: list[str] = []
        cells = [c for c in tr.children if isinstance(c, Element) and c.tag in ("td", "th")]
        for cell in cells:
            fill_carried(row, carried)
            text = clean_cell(inner_text(cell))
            for _ in range(span(cell, "colspan")):
                if span(cell, "rowspan") > 1:
                    carried[len(row)] = (text, span(cell, "rowspan") - 1)
                row.append(text)
        fill_carried(row, carried)
        grid.append(row)
    return grid


def fill_carried(row: list[str], carried: dict[int, tuple[str, int]]) -> None:
    """Put cells spanning down from earlier rows into their columns of this row."""
    while len(row) in carried:
        text, left = carried.pop(len(row))
        if left > 1:
            carried[len(row)] = (text, left - 1)
        row.append(text)
