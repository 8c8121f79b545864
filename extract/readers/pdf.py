"""PDF text layer via pypdfium2 (Apache-2.0/BSD, fast): page text plus positioned segments.

Positions are read by char index through pdfium's raw API: the page text in
one call, each character's text object in one cheap call, and pdfium's own
rects (``FPDFText_CountRects``), which group the characters of one text object
in a row, so the n-th such group is the n-th rect.  Character boxes are only
fetched for runs that hold several cells.  Asking pdfium for each rect's text
with ``get_text_bounded(rect)`` instead scans the whole page once per run, which
made the reader several times slower than the plain text pass.
"""

from __future__ import annotations

import ctypes
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.model import Page, RawDocument, Segment
from storage.errors import InputError

Box = tuple[float, float, float, float]  # left, bottom, right, top
CJK = re.compile(r"[\u4e00-\u9fff]")

# An amount not followed by a unit: table cells, not figures inside sentences.
BARE_AMOUNT = re.compile(r"(?<![\d.,])\d[\d,]*\.\d{1,2}(?![\d.,]*\s*(?:[万亿千]?元|%|％|年|万))")
# pdfium leaves characters narrower or lower than this out of its rects (kSizeEpsilon).
SIZE_EPSILON = 0.01
WORD = re.compile(r"\S+")


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
    chars = PageChars(textpage)
    pieces = list(run_pieces(chars, page_runs(chars)))
    covered = len(CJK.findall("".join(text for text, _ in pieces)))
    # Some producers' CID text has zero-size boxes, so it forms no runs; walk every character.
    if covered < 0.5 * len(CJK.findall(chars.text)):
        pieces = walk_pieces(chars, range(len(chars.text)), cut_at_gaps=True)
    if rotation:
        pieces = [(text, rotate(box, rotation, width, height)) for text, box in pieces]
    return tuple(Segment(text, *box) for text, box in pieces)


class PageChars:
    """The characters of a text page, read through pdfium's raw API by char index.

    The text comes in one call and the text objects in one cheap call per
    character; boxes are fetched only for the characters that need them.
    """

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.api = raw_api()
        self.textpage = textpage  # keeps pdfium's text page open while its address is used
        self.handle = address_of(textpage.raw)
        count = pdfium_c.FPDFText_CountChars(textpage.raw)
        buffer = (ctypes.c_ushort * (count + 1))()
        written = pdfium_c.FPDFText_GetText(textpage.raw, 0, count, buffer)
        text = bytes(buffer)[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
        if len(text) != count:
            # control characters are left out of the text and astral ones take two units
            text = "".join(chr(self.api.unicode(self.handle, i) or 0xFFFD) for i in range(count))
        self.text = text
        self.objects = [self.api.text_object(self.handle, i) or 0 for i in range(count)]
        self.out = (ctypes.c_double * 4)()
        self.slots = [ctypes.addressof(self.out) + 8 * k for k in range(4)]
        self.boxes: dict[int, Box] = {}

    def box(self, index: int) -> Box:
        """The tight box of one character."""
        box = self.boxes.get(index)
        if box is None:
            self.api.char_box(self.handle, index, *self.slots)  # left, right, bottom, top
            left, right, bottom, top = UNPACK_BOX(self.out)
            if top - bottom < SIZE_EPSILON <= right - left:
                # A non-embedded CJK font (STSong-Light, common in generated reports)
                # has no glyph outlines: pdfium gives its glyphs a flat box on the
                # baseline, a hair under or over its size limit.  Keep them all, flat.
                top = bottom + SIZE_EPSILON
            box = self.boxes[index] = (left, bottom, right, top)
        return box

    def rects(self, start: int = 0, count: int = -1) -> list[Box]:
        """pdfium's own rects over a char range (the whole page by default): one per run."""
        count = self.api.count_rects(self.handle, start, count)
        rects: list[Box] = []
        for index in range(count):
            self.api.rect(self.handle, index, *self.slots)  # left, top, right, bottom
            left, top, right, bottom = UNPACK_BOX(self.out)
            rects.append((left, bottom, right, top))
        return rects


UNPACK_BOX = struct.Struct("4d").unpack_from


@dataclass(frozen=True)
class RawApi:
    """pdfium functions re-declared with plain address arguments, which ctypes converts fastest."""

    char_box: Callable[..., int]  # (textpage, index, &left, &right, &bottom, &top)
    count_rects: Callable[[int, int, int], int]  # (textpage, start, count)
    rect: Callable[..., int]  # (textpage, index, &left, &top, &right, &bottom)
    text_object: Callable[[int, int], int | None]  # (textpage, index) -> address or None
    unicode: Callable[[int, int], int]  # (textpage, index)


@cache
def raw_api() -> RawApi:
    """Bind the functions called per character or per run once per process."""
    void, num = ctypes.c_void_p, ctypes.c_int

    def rebind(function: Any, restype: Any, *argtypes: Any) -> Any:
        return ctypes.CFUNCTYPE(restype, *argtypes)(address_of(function))

    return RawApi(
        char_box=rebind(pdfium_c.FPDFText_GetCharBox, num, void, num, void, void, void, void),
        count_rects=rebind(pdfium_c.FPDFText_CountRects, num, void, num, num),
        rect=rebind(pdfium_c.FPDFText_GetRect, num, void, num, void, void, void, void),
        text_object=rebind(pdfium_c.FPDFText_GetTextObject, void, void, num),
        unicode=rebind(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, void, num),
    )


def address_of(pointer: Any) -> int:
    """The address behind a ctypes pointer or function."""
    address = ctypes.cast(pointer, ctypes.c_void_p).value
    if not address:
        raise pdfium.PdfiumError("pdfium returned a null handle")
    return address


Run = tuple[int, int, Box]  # first and last char index, box


def page_runs(chars: PageChars) -> list[Run]:
    """The page's runs: the characters of one text object in a row, as pdfium's rects group them.

    pdfium builds its rects the same way (CPDF_TextPage::GetRectArray), so the
    n-th group of characters is the n-th rect and no character box is needed.
    When the counts differ, a zero-size glyph cut pdfium's grouping differently,
    and the runs are rebuilt from the characters' boxes.
    """
    spans: list[tuple[int, int]] = []
    current = 0
    for index, obj in enumerate(chars.objects):
        if not obj:
            continue
        if obj == current:
            spans[-1] = (spans[-1][0], index)
        else:
            spans.append((index, index))
            current = obj
    rects = chars.rects()
    if len(rects) == len(spans) and spans:
        return [(first, last, rect) for (first, last), rect in zip(spans, rects, strict=True)]
    return list(sized_runs(chars))


def sized_runs(chars: PageChars) -> Iterator[Run]:
    """The runs from character boxes: generated spaces and zero-size glyphs are left out."""
    first = last = -1
    current = 0
    x0 = y0 = x1 = y1 = 0.0
    for index, obj in enumerate(chars.objects):
        left, bottom, right, top = chars.box(index)
        if right - left < SIZE_EPSILON or top - bottom < SIZE_EPSILON:
            continue
        if first >= 0 and obj == current:
            x0, y0, x1, y1 = min(x0, left), min(y0, bottom), max(x1, right), max(y1, top)
            last = index
            continue
        if first >= 0:
            yield first, last, (x0, y0, x1, y1)
        first = last = index
        current = obj
        x0, y0, x1, y1 = left, bottom, right, top
    if first >= 0:
        yield first, last, (x0, y0, x1, y1)


def run_pieces(chars: PageChars, runs: list[Run]) -> Iterator[tuple[str, Box]]:
    """Each run as one piece, or, when it holds several words ('2,600.71 767.60'), one per word."""
    for first, last, box in runs:
        text = chars.text[first : last + 1]
        if len(text.split()) > 1:
            yield from word_pieces(chars, first, text)
        else:
            yield text, box


def word_pieces(chars: PageChars, first: int, text: str) -> Iterator[tuple[str, Box]]:
    """The words of one run, each with the box pdfium gives its char range."""
    for word in WORD.finditer(text):
        start = first + word.start()
        rects = chars.rects(start, len(word.group()))
        if len(rects) == 1 and rects[0][2] - rects[0][0] >= SIZE_EPSILON:
            yield word.group(), rects[0]
        else:  # only zero-size glyphs: pdfium has no rect, so take the glyphs' own boxes
            yield from walk_pieces(chars, range(start, first + word.end()), cut_at_gaps=False)


def walk_pieces(chars: PageChars, indexes: range, cut_at_gaps: bool) -> list[tuple[str, Box]]:
    """Split characters into pieces at whitespace, and with ``cut_at_gaps`` at gaps and line jumps."""
    pieces: list[tuple[str, Box]] = []
    text: list[str] = []
    box: list[float] = []
    for index in indexes:
        char = chars.text[index]
        left, bottom, right, top = chars.box(index)
        size = max(top - bottom, box[3] - box[1]) if box else 0.0
        # a run is one line already; only the whole-page walk needs to cut at gaps
        jump = (
            cut_at_gaps
            and bool(box)
            and (
                left - box[2] > 2 * size or abs((bottom + top) - (box[1] + box[3])) / 2 > 0.8 * size
            )
        )
        if not char.strip() or jump:
            flush(text, box, pieces)
            text, box = ([char], [left, bottom, right, top]) if char.strip() else ([], [])
            continue
        text.append(char)
        box = (
            [left, bottom, right, top]
            if not box
            else [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
        )
    flush(text, box, pieces)
    return pieces


def flush(text: list[str], box: list[float], pieces: list[tuple[str, Box]]) -> None:
    """Append the characters gathered so far as one piece."""
    if text and box:
        pieces.append(("".join(text), (box[0], box[1], box[2], box[3])))


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
