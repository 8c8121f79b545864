"""Defects of the document itself: template leftovers, stale years, blank or absent tables.

A few regex passes over the page lines, no word segmentation.  Every check
leans towards silence: a real 决算 must not raise a note, so anything that may
be a split publication ("具体公开表样附后"), a truncated web page, a table
printed as an image or an unsure fiscal year is left alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from extract.fields import DocumentFields
from extract.model import Figure, QualityNote, RawDocument

MAX_NOTES = 20  # per kind: one is enough to act on, a score more is noise
TITLE_MAX = 60  # characters of a table title or heading line, spaces removed

PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9])(?:[XＸ]{2,}|×{2,}|某某)(?![A-Za-z0-9])")
AS_OF = re.compile(r"截至((?:19|20)\d{2})年")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
TABLE_TITLE = re.compile(r"表(?:[(（][^()（）]{1,20}[)）])?$")
PART_HEADING = re.compile(r"^第[一二三四五六七八九十]+部分")
ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．](?!\d)|[(（][一二三四五六七八九十\d]+[)）])"
)
TABLE_ID = re.compile(r"公开\d{1,2}表|表\d{1,2}(?!\d)")
LEADER = re.compile(r"[.…·．\-—_]*\d{0,3}$")
AMOUNT_LINE = re.compile(r"\d\.\d{2}(?!\d)|\d,\d{3}")
GENERIC = re.compile(r"^(?:部门|单位)?(?:预算|决算)?(?:公开)?报?表$")
# The tables live in another file: a split publication, never a missing table.
ELSEWHERE = re.compile(r"附后|另行公开|另册|单独公开|见附件")
THREE_PUBLIC_HEADER = ("出国", "接待", "公务用车")
BODY_NOISE = re.compile(
    r"(?:19|20)\d{2}年度?|\d{1,2}月\d{1,2}日|公开\d{1,2}表|表\d{1,2}|单位[:：]\S*|第\d+页"
)
PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$")
# Quotes and brackets vary between a contents entry and its table's title.
UNIFY = re.compile(r"[“”\"‘’'《》〈〉「」 \t\u3000\r]+")
# Whole-text scans that tell which line-by-line checks have anything to look at.
CONTENTS_LINE = re.compile(r"^[ \t\u3000]*目[ \t\u3000]*录[ \t\u3000]*$", re.MULTILINE)
THREE_PUBLIC_TITLE = re.compile(r"^[^\n]*三公[^\n]*表[^\n]{0,12}$", re.MULTILINE)
YEAR_LINE = re.compile(r"^[^\n]*(?:19|20)\d{2}[ \t\u3000]*年[^\n]*$", re.MULTILINE)
PLACEHOLDER_LINE = re.compile(rf"^[^\n]*(?:{PLACEHOLDER.pattern})[^\n]*$", re.MULTILINE)


class Line(NamedTuple):
    """One line of a page, with its text as written and without spaces or quotes."""

    page: int
    position: int  # in the document's line list (-1 where not kept)
    text: str
    norm: str


def document_lines(doc: RawDocument) -> list[Line]:
    """Every non-blank line of every page, in order."""
    lines: list[Line] = []
    for page in doc.pages:
        for text in page.text.split("\n"):
            norm = UNIFY.sub("", text)
            if norm:
                lines.append(Line(page.number, len(lines), text.strip(), norm))
    return lines


def lines_matching(doc: RawDocument, pattern: re.Pattern[str]) -> list[Line]:
    """Only the lines ``pattern`` (anchored on whole lines) finds; their index is not kept."""
    return [
        Line(page.number, -1, match.group(0).strip(), UNIFY.sub("", match.group(0)))
        for page in doc.pages
        for match in pattern.finditer(page.text)
    ]


def quality_notes(
    doc: RawDocument, fields: DocumentFields, narrative: Sequence[Figure] = ()
) -> list[QualityNote]:
    """Placeholders, wrong years, a blank 三公 table and listed-but-absent tables in ``doc``."""
    text = doc.text
    notes = placeholders(lines_matching(doc, PLACEHOLDER_LINE)) if PLACEHOLDER.search(text) else []
    if fields.year is not None:
        notes += wrong_years(lines_matching(doc, YEAR_LINE), fields)
    has_contents = CONTENTS_LINE.search(text) is not None
    blank_possible = has_three_public(narrative) and THREE_PUBLIC_TITLE.search(text) is not None
    if not (has_contents or blank_possible):
        return notes  # most documents: no line-by-line pass needed
    lines = document_lines(doc)
    contents = contents_region(lines)
    if blank_possible:
        notes += blank_three_public_tables(lines, contents)
    if contents and not ELSEWHERE.search(text):
        notes += missing_tables(lines, contents, tail_may_be_cut=doc.format in ("txt", "html"))
    return notes


def capped(notes: Iterator[QualityNote]) -> list[QualityNote]:
    """At most ``MAX_NOTES`` notes."""
    return [note for _, note in zip(range(MAX_NOTES), notes, strict=False)]


def placeholders(lines: list[Line]) -> list[QualityNote]:
    """Template placeholders left in: XX单位, ××局, 某某."""
    found = (
        QualityNote("placeholder", f"未替换的占位符“{match.group(0)}”", line.page, line.text[:120])
        for line in lines
        for match in PLACEHOLDER.finditer(line.norm)
    )
    return capped(found)


def as_of_years(year: int, kind: str | None) -> set[int]:
    """Years a '截至…年' may name: a 预算 cites last year's end, a 决算 its own year or the next."""
    return {year - 1, year} if kind == "budget" else {year, year + 1}


def wrong_years(lines: list[Line], fields: DocumentFields) -> list[QualityNote]:
    """'截至…年' dates and table or part headings whose year is not the document's."""
    assert fields.year is not None
    year, notes = fields.year, []
    allowed = as_of_years(year, fields.kind)
    for line in lines:
        for match in AS_OF.finditer(line.norm):
            if int(match.group(1)) not in allowed:
                detail = f"“截至{match.group(1)}年”与{year}年度文件不符"
                notes.append(QualityNote("wrong_year", detail, line.page, line.text[:120]))
    headings = [line for line in lines if is_heading(line) and YEAR.search(line.norm)]
    stale = [h for h in headings if year not in {int(y) for y in YEAR.findall(h.norm)}]
    # Most headings must agree with the year found: otherwise that year is what is unsure.
    if len(stale) * 2 < len(headings):
        for line in stale:
            detail = f"标题年份与{year}年度文件不符"
            notes.append(QualityNote("wrong_year", detail, line.page, line.text[:120]))
    return notes[:MAX_NOTES]


def is_heading(line: Line) -> bool:
    """A table title or a part heading (第二部分 …), not a sentence."""
    norm = line.norm
    if norm[-1] not in "表)）" and norm[0] != "第":  # cheap: most lines end here
        return False
    if len(norm) > TITLE_MAX or "。" in norm or "，" in norm:
        return False
    return bool(TABLE_TITLE.search(line.norm) or PART_HEADING.match(line.norm))


def has_three_public(narrative: Sequence[Figure]) -> bool:
    """Whether the narrative states a non-zero 三公 amount."""
    return any(
        f.metric.startswith("three_public")
        and not f.metric.endswith("_change")
        and f.evidence.origin == "narrative"
        and f.value != 0
        for f in narrative
    )


def contents_region(lines: list[Line]) -> range:
    """The lines of the contents (目录) listing, empty when there is none."""
    start = next((line.position for line in lines if line.norm == "目录"), None)
    if start is None:
        return range(0)
    seen: set[str] = set()
    end = start + 1
    while end < len(lines) and end - start <= 80:
        norm = lines[end].norm
        title = core(ORDINAL.sub("", LEADER.sub("", norm)))
        # The body starts (第一部分 or a listed title again), or table data or prose begins.
        if {norm, title} & seen or len(norm) > 80 or AMOUNT_LINE.search(norm) or "。" in norm:
            break
        seen |= {norm, title} if TABLE_TITLE.search(title) else {norm}
        end += 1
    return range(start, end)


def contents_entries(lines: list[Line], contents: range) -> list[tuple[Line, str, str | None]]:
    """(line, title, table id) of each 公开表 the contents list, wrapped entries joined."""
    joined: list[tuple[Line, str]] = []
    for i in contents[1:]:
        line = lines[i]
        continues = joined and not (ORDINAL.match(line.norm) or PART_HEADING.match(line.norm))
        if continues and not joined[-1][1].endswith("表"):
            joined[-1] = (joined[-1][0], joined[-1][1] + line.norm)
        else:
            joined.append((line, line.norm))
    entries = []
    for line, text in joined:
        text = LEADER.sub("", text)
        if PART_HEADING.match(text) or not TABLE_TITLE.search(text):
            continue
        ids = TABLE_ID.findall(text)
        title = core(ORDINAL.sub("", text))
        if GENERIC.match(title) or len(title) < 4:
            continue
        entries.append((line, title, ids[0] if ids else None))
    return entries


def core(title: str) -> str:
    """A table title without its numbering, table id and the department/year before it."""
    title = TABLE_ID.sub("", title).strip("、.． ")
    return re.sub(r"^.*?(?:19|20)\d{2}年度?", "", title)


def found_in(title: str, rest: str, titles: list[str]) -> bool:
    """Whether ``title``, its last part or a printed variant of it occurs in the rest."""
    if title in rest:
        return True
    # A title loses qualifiers in front ("一般公共预算…") or across a line break.
    shortest = math.ceil(len(title) * 0.7)
    if any(title[start:] in rest for start in range(1, len(title) - shortest + 1)):
        return True
    return any(titled(title, other) for other in titles)


def titled(title: str, heading: str) -> bool:
    """Whether a printed heading is the listed title give or take a few added words.

    "政府采购预算表" is "政府采购支出预算表" without a word; "收入预算总表" and
    "支出预算总表" differ by substitution and are different tables.
    """
    short, long = sorted((title, heading), key=len)
    if len(short) < 5 or len(short) < 0.7 * len(long):
        return False
    letters = iter(long)
    return all(letter in letters for letter in short)  # a subsequence


def missing_tables(
    lines: list[Line], contents: range, *, tail_may_be_cut: bool
) -> list[QualityNote]:
    """Tables the contents list that appear nowhere else in the document."""
    entries = contents_entries(lines, contents)
    outside = [line for line in lines if line.position not in contents]
    rest = "".join(line.norm for line in outside)
    titles = [core(ORDINAL.sub("", line.norm)) for line in outside if is_heading(line)]
    present = [
        bool((table_id and table_id in rest) or found_in(title, rest, titles))
        for _, title, table_id in entries
    ]
    printed = sum(any(titled(title, other) for other in titles) for _, title, _ in entries)
    # Fewer than two titles printed: the tables are published elsewhere (or are images),
    # and the narrative merely names them.
    if printed < 2 or present.count(False) * 2 > len(present):
        return []
    last = max(i for i, here in enumerate(present) if here)
    notes = []
    for i, ((line, title, _), here) in enumerate(zip(entries, present, strict=True)):
        if here or (tail_may_be_cut and i > last):  # a web page text may stop early
            continue
        detail = f"目录列出的“{title}”未见于文件"
        notes.append(QualityNote("missing_table", detail, line.page, line.text[:120]))
    return notes


def blank_three_public_tables(lines: list[Line], contents: range) -> list[QualityNote]:
    """三公 tables whose body holds no amount at all."""
    notes = []
    for line in lines:
        if line.position in contents or "三公" not in line.norm or not is_heading(line):
            continue
        if "见" in line.norm or "说明" in line.norm:
            continue
        body = table_body(lines, line)
        text = "".join(b.norm for b in body)
        headers = sum(word in text for word in THREE_PUBLIC_HEADER)
        if len(body) < 3 or headers < 2 or "，" in text:
            continue
        if not any(re.search(r"\d", BODY_NOISE.sub("", ORDINAL.sub("", b.norm))) for b in body):
            detail = "“三公”经费表无任何金额，而文字说明列有“三公”经费数"
            notes.append(QualityNote("blank_three_public_table", detail, line.page, line.text))
    return notes


def table_body(lines: list[Line], title: Line) -> list[Line]:
    """The lines after a table title on its page, up to the next title or prose."""
    body: list[Line] = []
    for line in lines[title.position + 1 : title.position + 41]:
        if line.page != title.page or is_heading(line) or "。" in line.norm or "说明" in line.norm:
            break
        body.append(line)
    if body and PAGE_NUMBER.match(body[-1].norm):
        body.pop()  # the page number under the table
    return body
