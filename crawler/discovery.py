"""Reading portal pages: which links are 预决算 columns, disclosures, attachments; titles → fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, unquote, urldefrag, urljoin, urlsplit

from lxml import etree

# Link texts of the columns that hold budget disclosures (portals.md §0).
COLUMN_WORDS = (
    "预决算公开",
    "财政预决算",
    "部门预决算",
    "预算公开",
    "决算公开",
    "预决算",
    "三公经费",
    "部门预算",
    "部门决算",
    "单位预算",
    "单位决算",
    "财政信息",
    "财政资金",
)
# Column names are short; a long text with these words is an article title.
COLUMN_TEXT_MAX = 16

DISCLOSURE_WORDS = ("预算", "决算", "三公")
# Mention 预算 but are not a department's disclosure (portals.md §9).
EXCLUDED_WORDS = (
    "执行情况",
    "草案",
    "绩效",
    "采购",
    "招标",
    "中标",
    "比选",
    "管理办法",
    "实施办法",
    "规范",
    "通知",
    "会议",
    "召开",
    "审计工作报告",
    "审计报告",
    "调整方案",
    "编制工作",
    "培训",
    "审查",
    "座谈",
    "调研",
    "部署",
    "工作报告",
)
ATTACHMENT_SUFFIXES = ("pdf", "doc", "docx", "xls", "xlsx", "zip", "wps", "et")
# Download handlers whose URL hides the file type (the name comes in Content-Disposition).
DOWNLOAD_HANDLERS = re.compile(r"(downfile|download|downloadfile|filedown|getfile)[^/]*$", re.I)
_SUFFIX = re.compile(r"\.(" + "|".join(ATTACHMENT_SUFFIXES) + r")$", re.I)
_QUOTES = str.maketrans({c: "" for c in "“”\"'「」‘’《》〈〉"})
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4"}
_CN_DIGITS |= {"五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年")
_DEPT_TAIL = re.compile(r"(关于|公开|信息|情况说明|说明|的)$")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")


@dataclass(frozen=True)
class TitleInfo:
    """What a disclosure title says: its year, kind and department when present."""

    year: int | None
    kind: str | None  # "budget" or "final"
    department: str | None
    three_public: bool


def normalize_title(title: str) -> str:
    """Drop quotes and whitespace so “三公”经费 and 三公经费 compare equal."""
    return re.sub(r"\s+", "", title.translate(_QUOTES))


def title_year(title: str) -> tuple[int | None, re.Match[str] | None]:
    """The year a title names (2021年, 2021年度, 二〇二一年) and where it matched."""
    match = _YEAR.search(title)
    if match:
        return int(match.group(1)), match
    cn = _CN_YEAR.search(title)
    if cn:
        return int("".join(_CN_DIGITS[c] for c in cn.group(1))), cn
    return None, None


def is_column_link(text: str) -> bool:
    """Whether a link's text names a 预决算 column (not an article about one)."""
    text = normalize_title(text)
    if not text or len(text) > COLUMN_TEXT_MAX or title_year(text)[0] is not None:
        return False
    return any(word in text for word in COLUMN_WORDS)


def classify_title(title: str) -> TitleInfo | None:
    """A TitleInfo when ``title`` names a budget disclosure, else None (news, rules, tenders)."""
    text = normalize_title(title)
    if not any(word in text for word in DISCLOSURE_WORDS):
        return None
    if any(word in text for word in EXCLUDED_WORDS):
        return None
    year, match = title_year(text)
    if year is None or match is None:
        return None
    kind = title_kind(text)
    return TitleInfo(year, kind, title_department(text, match), "三公" in text)


def title_kind(text: str) -> str | None:
    """budget or final; 预决算 together names neither."""
    has_final, has_budget = "决算" in text, "预算" in text.replace("预决算", "")
    if has_final and not has_budget:
        return "final"
    if has_budget and not has_final:
        return "budget"
    return None


def title_department(text: str, year: re.Match[str]) -> str | None:
    """The unit before the year (XX局2021年…) or between year and 部门/单位 (2021年XX局部门预算)."""
    before = _DEPT_TAIL.sub("", text[: year.start()])
    if before.startswith("关于"):
        before = before[2:]
    if len(before) >= 2:
        return before
    after = text[year.end() :].lstrip("度")
    match = re.match(r"(.+?)(部门|单位|三公|预算|决算)", after)
    if match and len(match.group(1)) >= 2:
        return match.group(1)
    return None


def attachment_suffix(url: str, text: str = "") -> str | None:
    """The attachment type a link names (pdf, xls, …) from its path, query or text."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    match = _SUFFIX.search(path)
    if match:
        return match.group(1).lower()
    for values in parse_qs(parts.query).values():
        for value in values:
            match = _SUFFIX.search(unquote(value))
            if match:
                return match.group(1).lower()
    match = _SUFFIX.search(text.strip())
    return match.group(1).lower() if match else None


def is_attachment_link(url: str, text: str = "") -> bool:
    """Whether a link downloads a file: a known suffix or a downfile.jsp-style handler."""
    if attachment_suffix(url, text):
        return True
    return bool(DOWNLOAD_HANDLERS.search(urlsplit(url).path))


# Anything is_attachment_link could accept contains one of these (a suffix, a handler name,
# or percent-encoding that might hide one); most anchors of a page (menus, friends' links)
# contain none and are dropped before their URL is resolved.
_MAYBE_ATTACHMENT = re.compile(
    r"\.(?:" + "|".join(ATTACHMENT_SUFFIXES) + r")|down|getfile|%", re.I
)


def may_be_attachment(href: str, text: str) -> bool:
    """A cheap first test on a raw href and link text: False only when no attachment is possible."""
    return bool(_MAYBE_ATTACHMENT.search(href) or _MAYBE_ATTACHMENT.search(text))


def parse_date(text: str) -> date | None:
    """The first full date in ``text`` (2021-03-02, 2021年3月2日, [2021.03.02]); not index numbers."""
    for match in _DATE.finditer(text):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def url_date(url: str) -> date | None:
    """A date carried only by the URL: TRS t20210226_…, Hanweb /art/2021/3/2/."""
    match = re.search(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_", url)
    if match is None:
        match = re.search(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/", url)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


@dataclass(frozen=True)
class PageLink:
    """A link on a list or detail page: absolute URL, best title, and the date shown beside it."""

    url: str
    title: str
    published: date | None


_ONCLICK_URL = re.compile(r"""\(\s*['"]([^'"]+)['"]""")


def link_target(href: str, onclick: str) -> str | None:
    """The real target of a link; ``javascript:``/``#`` hrefs keep it in onclick (portals.md §5)."""
    href = href.strip()
    if href and not href.startswith(("javascript:", "#", "mailto:", "tel:")):
        return href
    match = _ONCLICK_URL.search(onclick)
    return match.group(1) if match else None


def canonical_url(base: str, href: str) -> str:
    """``href`` made absolute against ``base``, without its #fragment (the dedupe key)."""
    return urldefrag(urljoin(base, href))[0]


# Compiled once: page_links runs over every anchor of every page, and parsel's per-call
# XPath compilation and wrapping cost more than the lookups themselves.
_ANCHORS = etree.XPath(".//a")
_TEXTS = etree.XPath(".//text()")
_ROW = etree.XPath("./ancestor::*[self::li or self::tr][1]")
_PARENT = etree.XPath("./parent::*")


def page_links(
    selector: object,
    base_url: str,
    keep: Callable[[str, str], bool] | None = None,
    maybe: Callable[[str, str], bool] | None = None,
) -> list[PageLink]:
    """Every followable link under a parsel ``selector``, titles from @title before the text.

    With ``keep``, only the links for which ``keep(url, title)`` holds (decided before the
    costlier date lookup around each link); ``maybe(href, title)``, if given, is a cheaper
    test on the raw href that may only reject what ``keep`` would reject too.
    """
    links = []
    for anchor in _ANCHORS(selector.root):  # type: ignore[attr-defined]
        target = link_target(anchor.get("href", ""), anchor.get("onclick", ""))
        if target is None:
            continue
        text = " ".join(t.strip() for t in _TEXTS(anchor)).strip()
        title = (anchor.get("title") or "").strip() or text
        if maybe is not None and not maybe(target, title):
            continue
        url = canonical_url(base_url, target)
        if keep is not None and not keep(url, title):
            continue
        row = _ROW(anchor) or _PARENT(anchor)
        around = " ".join(t for element in row for t in _TEXTS(element))
        links.append(PageLink(url, title, parse_date(around) or url_date(url)))
    return links


# Body text that only a disclosure carries (portals.md §9, content markers).
CONTENT_MARKERS = (
    "部门概况",
    "部门主要职责",
    "收入支出",
    "收支总表",
    "收入总计",
    "支出总计",
    "收入合计",
    "支出合计",
    "三公",
    "名词解释",
    "财政拨款",
)
_AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元)")
MIN_AMOUNTS = 2


def holds_disclosure_text(text: str) -> bool:
    """Whether a detail page's own text is the disclosure (figures and budget vocabulary)."""
    text = normalize_title(text)
    markers = sum(1 for marker in CONTENT_MARKERS if marker in text)
    return markers >= 2 and len(_AMOUNT.findall(text)) >= MIN_AMOUNTS


# Appendix lists some TRS templates write from a JS string: var rel_appendix = '<a href="./P0….pdf">…</a>'.
_SCRIPT_ANCHOR = re.compile(r"""<a\b[^>]*?href=\\?["']([^"'\\]+)\\?["'][^>]*>([^<]*)<""", re.I)
_SCRIPT_FILE = re.compile(
    r"""["']([^"'<>\s]+\.(?:""" + "|".join(ATTACHMENT_SUFFIXES) + r"""))["']""", re.I
)


def script_links(selector: object, base_url: str) -> list[PageLink]:
    """Attachment links written by scripts (document.write, var rel_appendix, window.open)."""
    found: dict[str, PageLink] = {}
    for code in selector.xpath(".//script/text()").getall():  # type: ignore[attr-defined]
        for href, text in _SCRIPT_ANCHOR.findall(code):
            url = canonical_url(base_url, href)
            found.setdefault(url, PageLink(url, text.strip(), None))
        for href in _SCRIPT_FILE.findall(code):
            url = canonical_url(base_url, href)
            found.setdefault(url, PageLink(url, "", None))
    return [link for link in found.values() if is_attachment_link(link.url, link.title)]
