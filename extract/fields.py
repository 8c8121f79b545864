"""Document-level fields: region, department, fiscal year, budget or final."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from extract.model import Kind, RawDocument
from extract.sentences import normalise


@dataclass(frozen=True)
class DocumentFields:
    region: str | None
    department: str | None
    year: int | None
    kind: Kind | None


# A title: "<department><year>年(度)<…>预算/决算/三公…".  A date (2019年1月14日) is not one.
_TITLE = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff()]{0,40}?)(?P<year>(?:19|20)\d{2})年度?(?!\d{1,2}月)"
    r"(?P<rest>[^\n。]{0,40}?(?:预算|决算|三公|公共财政拨款支出|执行情况)[^\n。]*)"
)
_TITLE_YEAR = re.compile(r"(?:19|20)\d{2}年")
_COVER_DEPARTMENT = re.compile(
    r"^\s*(?:部门|单位|预算单位|编制单位)(?:名称)?:\s*(?!单位)([\u4e00-\u9fff()]{3,40}?)(?=单位:|\s|$)",
    re.MULTILINE,
)
_FOOTER_LINE = re.compile(r"^[-—–\s\d]*$")
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})年度?(?!\d{1,2}月)")
_NAME_AFTER_YEAR = re.compile(r"^([\u4e00-\u9fff]{2,6}?(?:省|市|县|区|州|旗))")
# "2022年宁川县财政局部门预算…": a whole department name after the year, up to 部门/预算/决算.
_DEPARTMENT_AFTER_YEAR = re.compile(
    r"^((?:中共)?[\u4e00-\u9fff]{2,6}?(?:省|市|县|区|州|旗)[\u4e00-\u9fff]{1,20}?"
    r"(?:局|厅|办|委|部|院|所|站|中心|室|馆|队|校|处|社|团|署|政府|法院|检察院))"
    r"(?=部门|单位|本级|预算|决算)"
)
_SUMMARISED_BY = re.compile(r"经([\u4e00-\u9fff]{2,20}?(?:财政局|财政厅|财政委员会))汇总")
_ORG_SUFFIX = re.compile(
    r"(?:局|厅|办|办公室|委|委员会|会|院|所|站|中心|部|室|馆|队|校|学|处|社|团|协|联|署|政府|法院|检察院|组|工委)$"
)
_SIGNATURE = re.compile(r"^([\u4e00-\u9fff()]{4,30})\n\s*(?:19|20)\d{2}年\d{1,2}月", re.MULTILINE)
_PARTY = re.compile(r"^(?:中共|中国共产党)")
_REGION = re.compile(r"^([\u4e00-\u9fff]{1,7}?(?:自治区|自治州|省|市|州|盟|县|区|旗))")
# A county or district right after a province-level or prefecture city (not 城市管理局).
_COUNTY = re.compile(
    r"(?<=[市州盟省])(?!城)((?:(?![局厅委办部院会所站队处科司])[\u4e00-\u9fff]){2,6}?(?:自治县|县|区|旗))"
)
_ZONE = re.compile(
    r"^([\u4e00-\u9fff]{2,4}?)(?:经济技术开发区|经济开发区|高新技术产业开发区|高新区|开发区)"
)
_HEAD_CHARS = 3000


def document_fields(doc: RawDocument) -> DocumentFields:
    """Find region, department, year and kind from the title and opening text."""
    raw = doc.text
    head = _head(raw)
    # The whole text is only needed when the opening names no title or publisher.
    whole = functools.cache(lambda: normalise(raw))
    titles = _titles(head)
    year = int(titles[0].group("year")) if titles else _common_year(whole())
    kind = (_kind(titles[0].group("rest")) if titles else None) or _kind(head)
    department = _department(head, titles, whole)
    return DocumentFields(
        region=_region(department, head), department=department, year=year, kind=kind
    )


def _head(raw: str) -> str:
    """The first ``_HEAD_CHARS`` of the normalised text, normalising no more than needed."""
    size = 2 * _HEAD_CHARS  # normalising drops spaces and quotes: take some extra
    while True:
        head = normalise(raw[:size])
        # Trailing spaces may yet go (a Chinese character may follow them): not counted.
        if len(head.rstrip()) >= _HEAD_CHARS or size >= len(raw):
            return head[:_HEAD_CHARS]
        size *= 2


def _titles(head: str) -> list[re.Match[str]]:
    """Title-like lines; a title may continue on the next line (PDF wrapping)."""
    lines = [line.strip() for line in head.splitlines() if not _FOOTER_LINE.match(line)]
    found = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not _TITLE_YEAR.search(line + following):
            continue  # the cheap part of _TITLE first: most lines name no year
        match = _TITLE.search(line + following)
        if match and match.start("year") < len(line):
            found.append(match)
    return found


def _common_year(text: str) -> int | None:
    """The most frequent year of the document (tables-only files have no title)."""
    counts = Counter(_ANY_YEAR.findall(text))
    return int(counts.most_common(1)[0][0]) if counts else None


_KIND_WORD = re.compile(r"决算|预算|公共财政拨款支出|执行情况")
# Fund names, 预决算 and boilerplate about budget openness or the Budget Law
# (推进政府预算信息公开, 根据《预算法》) hold the words without saying what the document is.
_NOT_KIND = re.compile(
    r"预决算|一般公共预算|国有资本经营预算|政府性基金预算|基金预算|政府预算|预算信息|预算法"
)


def _kind(text: str) -> Kind | None:
    """The first of 决算 (or spending actually made) / 预算 decides final or budget."""
    word = _KIND_WORD.search(_NOT_KIND.sub("", text))
    if word is None:
        return None
    return "budget" if word.group(0) == "预算" else "final"


def _department(head: str, titles: list[re.Match[str]], whole: Callable[[], str]) -> str | None:
    """The publisher: a cover line, a title's prefix, who summarised it, or a signature."""
    cover = _COVER_DEPARTMENT.search(head)
    if cover:
        return cover.group(1)
    for title in titles:
        prefix = _trim_prefix(title.group("prefix"))
        if len(prefix) >= 3 and (
            _ORG_SUFFIX.search(prefix) or _REGION.match(_PARTY.sub("", prefix))
        ):
            return prefix
    for title in titles:
        # "2019年度鹿寨县“三公”经费…": the place follows the year.
        rest = title.group("rest").removeprefix("度")
        after = _DEPARTMENT_AFTER_YEAR.match(rest) or _NAME_AFTER_YEAR.match(rest)
        if after:
            return after.group(1)
    summarised = _SUMMARISED_BY.search(head)
    if summarised:
        return summarised.group(1)
    signatures = list(_SIGNATURE.finditer(whole()))
    signature = signatures[-1] if signatures else None
    if signature and _ORG_SUFFIX.search(signature.group(1)):
        return signature.group(1)
    return None


def _trim_prefix(prefix: str) -> str:
    """Drop list markers and leading words that are not part of a name."""
    prefix = re.sub(r"^.*?(?:附件\d*|附表\d*|关于|公开|目录)", "", prefix)
    return re.sub(r"^(?:[一二三四五六七八九十]+|\(?[一二三四五六七八九十]+\)?)", "", prefix).strip(
        "()"
    )


def _region(department: str | None, head: str) -> str | None:
    """The county / city / province: from the department's name, else the opening text."""
    for text in (department or "", head):
        name = _PARTY.sub("", text.strip())
        zone = _ZONE.match(name)
        if zone:
            return zone.group(1) + "区"
        match = _REGION.match(name)
        if match:
            # 重庆市綦江区城市管理局: a city's county or district is the region it names.
            county = _COUNTY.match(name, match.end())
            return match.group(1) + (county.group(1) if county else "")
    return None
