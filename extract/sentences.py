"""Text cleanup for narrative parsing: normalise, drop page furniture, join lines, split.

PDF text breaks lines mid-word and mid-number ("2248.37 万\\n元"), carries page
numbers and footers ("— 6 —") in the middle of sentences, and web pages add
stray spaces ("与 上年相比持平").  Sentences are rebuilt from the cleaned lines;
each remembers its page, its offset in that page's text and the heading of the
section it sits in.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from extract.model import RawDocument

_FULL_WIDTH = tuple(
    (wide, unicodedata.normalize("NFKC", wide)) for wide in "，（）：；．！？％－／\u3000"
)
# A character class, not str.translate: translate walks a dict per character.
_QUOTES = re.compile("[“”‘’\"'「」『』]")
# Spaces next to a non-ASCII character carry no meaning in Chinese text;
# spaces between two digits do (separate table cells), so they stay.  The
# leading look-ahead lets the engine reject a non-space position with one test
# instead of trying both branches there: it halves the cost of the pass.
_CJK_SPACE = re.compile(
    r"(?=[ \t\u3000])(?:(?<=[^\x00-\x7f])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7f]))"
)
_FOOTER = re.compile(
    r"^\s*[-—–－]+\s*\d{1,4}\s*[-—–－]+\s*$|^\s*第?\s*\d{1,4}\s*页?\s*(?:共\s*\d+\s*页)?\s*$"
)
_FOOTER_START = frozenset("-—–－第0123456789")
_TRAILING_PAGE_NUMBER = re.compile(r"(?<![\d.,%])\s*(\d{1,3})\s*$")
_UNIT_START = re.compile(r"^\s*(?:万元|万|元|亿元|千元|%)")
# A heading or list item starts a new paragraph: 一、 (一) 1. (1) 第一部分.
HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d{1,2}\s*[.、](?!\d)"
    r"|\(\d{1,2}\)|第[一二三四五六七八九十]+部分|附件|附表)"
)
_TOP_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)")
_SENTENCE_END = "。!?"
_SENTENCE_ENDINGS = tuple(_SENTENCE_END)
_SENTENCE = re.compile(f"[^{_SENTENCE_END}]+[{_SENTENCE_END}]?")
# A comma between two digits is a thousands separator or a list ("4125.49,4143.91万元").
# The leading look-ahead spares every other position the three branches.
_CLAUSE_SPLIT = re.compile(r"(?=[;:,])(?:[;:]|(?<!\d),|,(?!\s?\d))")


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII), drop quotes and meaningless spaces."""
    # Full-width punctuation is nearly all that NFKC changes in disclosures:
    # replacing it first (a fast scan each) mostly leaves nothing for the much
    # slower NFKC pass, and gives the same text as that pass.
    for wide, narrow in _FULL_WIDTH:
        text = text.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _CJK_SPACE.sub("", _QUOTES.sub("", text))


@dataclass(frozen=True)
class Line:
    """One cleaned source line and where it started."""

    text: str
    page: int
    offset: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of the cleaned text, with its page, offset and section heading."""

    text: str
    page: int
    offset: int
    section: str  # the top-level heading above it ("" before the first one)
    paragraph: int  # index of the paragraph (sentences of one paragraph share it)


def page_lines(text: str, page: int, last_page: int) -> list[Line]:
    """The cleaned lines of one page, without footers and page numbers."""
    lines: list[Line] = []
    # NFKC keeps lengths for the characters disclosures use, so offsets stay usable.
    raw_lines = normalise(text).split("\n")
    starts = itertools.accumulate((len(raw) + 1 for raw in raw_lines), initial=0)
    # ``starts`` also holds the end of the last line: zip stops at the lines.
    for index, (raw, start) in enumerate(zip(raw_lines, starts, strict=False)):
        cleaned = raw.strip()
        # A footer starts with a dash, 第 or a digit: the test spares most lines the regex.
        if not cleaned or (cleaned[0] in _FOOTER_START and _FOOTER.match(raw)):
            continue
        if cleaned.isdigit() and len(cleaned) <= 3:
            following = raw_lines[index + 1] if index + 1 < len(raw_lines) else ""
            if not _UNIT_START.match(following):
                continue  # a bare page number between the halves of a sentence
        lines.append(Line(cleaned, page, start))
    if lines and last_page > 1:
        # PDF text layers often end a page with its number glued to the last line.
        match = _TRAILING_PAGE_NUMBER.search(lines[-1].text)
        if (
            match
            and abs(int(match.group(1)) - page) <= 3
            and not lines[-1].text[: match.start()].endswith(("年", "为"))
        ):
            lines[-1] = Line(lines[-1].text[: match.start()], page, lines[-1].offset)
    return lines


def paragraphs(lines: Iterable[Line]) -> list[list[Line]]:
    """Group lines into paragraphs: join until a sentence end or a heading."""
    groups: list[list[Line]] = []
    for line in lines:
        # The cheap test first: after a sentence end a new paragraph starts anyway.
        if (
            groups
            and not groups[-1][-1].text.endswith(_SENTENCE_ENDINGS)
            and not HEADING.match(line.text)
        ):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def document_sentences(doc: RawDocument) -> list[Sentence]:
    """Every sentence of the document, in reading order."""
    lines: list[Line] = []
    for page in doc.pages:
        lines.extend(page_lines(page.text, page.number, len(doc.pages)))
    sentences: list[Sentence] = []
    section = ""
    for number, group in enumerate(paragraphs(lines)):
        text = "".join(line.text for line in group)
        if _TOP_HEADING.match(text):
            section = text[:40]
        sentences.extend(_split_paragraph(text, group, section, number))
    return sentences


def _split_paragraph(text: str, group: list[Line], section: str, number: int) -> list[Sentence]:
    # Where each line starts in the paragraph text: a sentence belongs to the
    # last line that starts at or before it.
    starts = list(itertools.accumulate((len(line.text) for line in group[:-1]), initial=0))
    result = []
    for match in _SENTENCE.finditer(text):
        index = bisect.bisect_right(starts, match.start()) - 1 if len(starts) > 1 else 0
        line = group[index]
        result.append(
            Sentence(
                text=match.group(0),
                page=line.page,
                offset=line.offset + match.start() - starts[index],
                section=section,
                paragraph=number,
            )
        )
    return result


def clauses(sentence: str) -> list[tuple[int, str]]:
    """Split a sentence at , ; : into (start, clause) pairs."""
    result = []
    start = 0
    for match in _CLAUSE_SPLIT.finditer(sentence):
        result.append((start, sentence[start : match.start()]))
        start = match.end()
    result.append((start, sentence[start:]))
    return [(s, c) for s, c in result if c]
