"""PDF text layer via pypdfium2 (Apache-2.0/BSD, fast): page text plus positioned segments."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium

from extract.model import Page, RawDocument, Segment
from storage.errors import InputError

Box = tuple[float, float, float, float]
CJK = re.compile(r"[\u4e00-\u9fff]")

# An amount not followed by a unit: table cells, not figures inside sentences.
BARE_AMOUNT = re.compile(r"(?<![\d.,])\d[\d,]*\.\d{1,2}(?![\d.,]*\s*(?:[万亿千]?元|%|％|年|万))")


def read_pdf(path: Path, source: str) -> RawDocument:
    """Read every page's text layer, and the text runs with boxes of pages holding tables."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise InputError(f"{source}: cannot open PDF ({exc})") from exc
    pages: list[Page] = []
    try:
        for index in range(len(pdf)):
            try:
                page = pdf[index]
                textpage = page.get_textpage()
                text = textpage.get_text_bounded().replace("\r\n", "\n")
                # Positions cost more than the text itself: only table pages need them.
                segments = page_segments(page, textpage) if looks_tabular(text) else ()
            except pdfium.PdfiumError as exc:
                raise InputError(f"{source}: page {index + 1}: cannot read text ({exc})") from exc
            pages.append(Page(number=index + 1, text=text, segments=segments))
    finally:
        pdf.close()
    if not any(page.text.strip() for page in pages):
        raise InputError(f"{source}: PDF has no text layer (scanned image?); OCR is not supported")
    return RawDocument(source=source, format="pdf", pages=tuple(pages))


def looks_tabular(text: str) -> bool:
    """True for a page with a 单位 line or several bare amounts (cells, not sentences)."""
    if re.search(r"单\s*位\s*[:：]\s*[万千亿]?元", text):
        return True
    return len(BARE_AMOUNT.findall(text)) >= 3


def page_segments(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> tuple[Segment, ...]:
    """Text runs with boxes in display orientation; runs holding several cells are split."""
    rotation = page.get_rotation()
    width, height = page.get_size()
    if rotation in (90, 270):
        width, height = height, width
    segments: list[Segment] = []
    covered = 0
    for i in range(textpage.count_rects()):
        rect = textpage.get_rect(i)
        text = textpage.get_text_bounded(*rect)
        pieces = [(text, rect)]
        if len(text.split()) > 1:
            pieces = split_run(textpage, rect) or pieces
        for piece, box in pieces:
            covered += len(CJK.findall(piece))
            segments.append(Segment(piece, *rotate(box, rotation, width, height)))
    # Some producers' CID text gets no rects from pdfium; walk the characters instead.
    if covered < 0.5 * len(CJK.findall(textpage.get_text_bounded())):
        runs = split_run(textpage, (-1e6, -1e6, 1e6, 1e6), start=0)
        segments = [Segment(text, *rotate(box, rotation, width, height)) for text, box in runs]
    return tuple(segments)


def rotate(box: Box, rotation: int, width: float, height: float) -> Box:
    """Map a box from page space to the orientation the reader sees."""
    x0, y0, x1, y1 = box
    if rotation == 90:
        return (y0, width - x1, y1, width - x0)
    if rotation == 270:
        return (height - y1, x0, height - y0, x1)
    if rotation == 180:
        return (width - x1, height - y1, width - x0, height - y0)
    return box


def split_run(
    textpage: pdfium.PdfTextPage, rect: Box, start: int | None = None
) -> list[tuple[str, Box]]:
    """Split one run such as '2,600.71 767.60 199.25' into its cells, each with its box."""
    x0, y0, x1, y1 = rect
    start_given = start is not None
    if start is None:
        start = textpage.get_index(x0 + 0.5, (y0 + y1) / 2, 1.0, 1.0)
    if start is None:
        start = textpage.get_index((x0 + x1) / 2, y0 + 0.5, 1.0, 1.0)
    if start is None:
        return []
    pieces: list[tuple[str, Box]] = []
    chars: list[str] = []
    box: list[float] = []
    for index in range(start, textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        left, bottom, right, top = textpage.get_charbox(index)
        inside = left >= x0 - 1 and right <= x1 + 1 and bottom >= y0 - 1 and top <= y1 + 1
        if not inside and char.strip():
            break
        size = max(top - bottom, box[3] - box[1]) if box else 0.0
        # only the whole-page walk needs to cut runs at gaps; a rect is one line already
        jump = (
            start_given
            and bool(box)
            and (
                left - box[2] > 2 * size or abs((bottom + top) - (box[1] + box[3])) / 2 > 0.8 * size
            )
        )
        if not inside or not char.strip() or jump:
            flush(chars, box, pieces)
            chars, box = [], []
            if char.strip() and inside:
                chars, box = [char], [left, bottom, right, top]
            continue
        chars.append(char)
        box = (
            [left, bottom, right, top]
            if not box
            else [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
        )
    flush(chars, box, pieces)
    return pieces


def flush(chars: list[str], box: list[float], pieces: list[tuple[str, Box]]) -> None:
    """Append the characters gathered so far as one piece."""
    if chars and box:
        pieces.append(("".join(chars), (box[0], box[1], box[2], box[3])))
