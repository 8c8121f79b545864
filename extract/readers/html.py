"""HTML pages: decoded by their declared charset (checked), text in blocks, tables as grids.

Each innermost <table> becomes a Table and also text lines with cells joined
by " | ", so the narrative parser still sees sentences written in cells.
Tables that contain tables are page layout (common on older portals) and
are read as ordinary blocks.

The tree comes from lxml (libxml2), about three times faster than the stdlib
html.parser this reader used before, and with the same text and tables for
ordinary pages, including the usual tag soup: unclosed <p>, <li>, <td> and
<tr>, stray end tags, comments, entities.  Where libxml2 repairs broken markup
differently (mostly as browsers do), its repair is kept:

- an end tag whose element is open only outside the table, such as a stray
  </div> inside a <td>, is ignored (the old parser closed the table there);
  so a <table> never closed runs on to </body>, and text after it that is not
  in a cell is dropped up to there (the old parser dropped it only up to the
  end tag of the element around the table);
- a <td> opened while the previous cell still has an inline element or <p> open
  starts a new cell (the old parser nested it inside the previous cell);
- <title> and <textarea> hold raw text, so markup inside them (or after an
  unclosed <title>) is text;
- a tag or comment cut off at the end of a truncated page is dropped (the old
  parser kept it as text, e.g. '<a href="');
- a repeated attribute keeps its first value (the old parser kept the last).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

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
# C0 controls other than tab, LF and CR.  libxml2 turns each into U+FFFD; the
# old parser kept them.  Those Python counts as whitespace (VT, FF, \x1c-\x1f)
# become spaces, which clean_cell collapses exactly as before; the rest carry
# no text and are dropped (the old reader left them inside the line).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TAG_RE = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")


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
    flat = Flattener()
    for root in parse_roots(decode_bytes(data, declared_charset(data), where=source)):
        flat.walk(root)
    flat.flush()
    text = "\n".join(flat.lines)
    if not text.strip():
        raise InputError(f"{source}: HTML page holds no text")
    return RawDocument(
        source=source, format="html", pages=(Page(1, text),), tables=tuple(flat.tables)
    )


def parse_roots(text: str) -> list[etree._Element]:
    """The page's top-level elements: one <html>, or more when content follows </html>."""
    root, limited = parse_tree(text, huge=False)
    if limited:
        # libxml2 stops at nesting depth 256 or at a 10 MB text, script or
        # attribute (an inline image), dropping the rest of the page.  Read it
        # again without the size limits (huge mode), and with deep nesting
        # flattened as the old reader did: huge mode would allow 2048 levels,
        # too many for the recursive walk.
        root, _ = parse_tree(capped_depth(text), huge=True)
    if root is None:  # nothing but whitespace and comments
        return []
    # libxml2 puts anything after </html> into further <html> elements beside the root.
    return [root, *(node for node in root.itersiblings() if isinstance(node.tag, str))]


def parse_tree(text: str, huge: bool) -> tuple[etree._Element | None, bool]:
    """The root element of the page (None if it has none), and whether a limit cut it short."""
    # UTF-8 bytes with the encoding given, not the str: lxml refuses a str that
    # carries an <?xml encoding=…?> declaration, and the page's own <meta charset>
    # must not override the decoding already chosen.
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=huge
    )
    markup = CONTROL_RE.sub(lambda m: " " if m.group().isspace() else "", text)
    root = etree.fromstring(markup.encode("utf-8"), parser)
    limited = any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log)
    return root, limited


def capped_depth(text: str) -> str:
    """The markup without the start tags nested deeper than MAX_DEPTH - 32 elements.

    Nesting is counted as the old reader's tree builder did (an end tag closes
    the nearest open element of its name; a few tags end their predecessors),
    with a margin for the <html>/<body> libxml2 adds.  Like the old reader, a
    block too deep to keep still ends the line: it becomes a <br>.
    """
    stack: list[str] = []
    kept: list[str] = []
    start = 0
    for match in TAG_RE.finditer(text):
        closing, tag = match.group(1), match.group(2).lower()
        if closing:
            if tag in stack:  # close it and everything opened inside it
                while stack.pop() != tag:
                    pass
            continue
        while stack and stack[-1] in IMPLIED_END.get(tag, ()):
            stack.pop()
        if tag in VOID or match.group(0).endswith("/>"):
            continue
        if len(stack) < MAX_DEPTH - 32:
            stack.append(tag)
        else:
            kept += [text[start : match.start()], "<br>" if tag in BLOCK else ""]
            start = match.end()
    kept.append(text[start:])
    return "".join(kept)


class Flattener:
    """Walks the tree into text lines (block by block) and data tables."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[Table] = []
        self.inline: list[str] = []

    def flush(self) -> None:
        """End the current line."""
        text = "".join(self.inline)
        self.inline = []
        # Most block boundaries end nothing, or just the newline between two tags.
        if text and not text.isspace():
            self.lines.append(clean_cell(text))

    def walk(self, node: etree._Element) -> None:
        """Add a node's content (its text and children, not its tail) in document order."""
        if node.text:
            self.inline.append(node.text)
        for child in node:
            tag = child.tag
            # The parser drops comments and processing instructions, but should
            # one be left, its tag (a function, not a str) skips it here; its
            # tail is still read, as for skipped elements.
            if not isinstance(tag, str) or tag in SKIP:
                pass
            elif tag == "table" and not contains(child, "table"):
                self.flush()
                self.add_table(child)
            elif tag == "br":
                self.flush()
            elif tag in BLOCK:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)
            if child.tail:
                self.inline.append(child.tail)

    def add_table(self, node: etree._Element) -> None:
        """Add a data table as a Table and as ' | ' text lines."""
        caption = " ".join(inner_text(c) for c in descendants(node, "caption"))
        above = [*self.lines[-3:], *([clean_cell(caption)] if caption.strip() else [])]
        table = sheet_table(table_grid(node), name=None, page=1)
        if table is None:
            return
        table = with_caption(table, above)
        self.tables.append(table)
        self.lines += [row_line(row) for row in table.rows]


def contains(node: etree._Element, tag: str) -> bool:
    """Whether any descendant of node has this tag."""
    return any(not skipped(found, node) for found in node.iterdescendants(tag))


def descendants(node: etree._Element, tag: str) -> list[etree._Element]:
    """Descendants with this tag, in order, not looking inside skipped elements."""
    return [found for found in node.iterdescendants(tag) if not skipped(found, node)]


def skipped(element: etree._Element, top: etree._Element) -> bool:
    """Whether element lies inside a skipped element (script, nav, …) below top."""
    for ancestor in element.iterancestors():
        if ancestor is top:
            return False
        if ancestor.tag in SKIP:
            return True
    return False


def inner_text(node: etree._Element) -> str:
    """All text inside node, skipping scripts and styles, as one string."""
    parts = [node.text or ""]
    for child in node:
        if child.tag == "br":
            parts.append(" ")
        elif isinstance(child.tag, str) and child.tag not in SKIP:
            parts.append(inner_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def span(cell: etree._Element, name: str) -> int:
    """A cell's colspan or rowspan, clamped to something sane."""
    value = cell.get(name, "1").strip()
    return min(max(int(value), 1), MAX_SPAN) if value.isdigit() else 1


def table_grid(node: etree._Element) -> list[list[str]]:
    """The table's cells as a grid, with spanned cells repeated like Word's merged cells."""
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column → (text, rows still to fill)
    for tr in descendants(node, "tr"):
        row: list[str] = []
        cells = [c for c in tr if c.tag in ("td", "th")]
        for cell in cells:
            fill_carried(row, carried)
            text = clean_cell(inner_text(cell))
            rowspan = span(cell, "rowspan")
            for _ in range(span(cell, "colspan")):
                if rowspan > 1:
                    carried[len(row)] = (text, rowspan - 1)
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
