"""Generic pagers: a 下一页 link, or links that differ from this page only by ?page=N."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from parsel import Selector

from crawler.discovery import canonical_url, link_target

NEXT_TEXTS = ("下一页", "下页", "后一页", "下一頁", "next", ">", "›", "»", ">>")
PAGE_PARAMS = ("page", "pageno", "pagenum", "pageindex", "currpage", "pn", "p", "pageindex")
_DIGITS = re.compile(r"^\d+$")
_ANCHORS = etree.XPath("//a")
_TEXTS = etree.XPath(".//text()")


def is_page_query(base: str, url: str) -> bool:
    """Whether ``url`` is ``base``'s path with a numeric page parameter (?page=3, &pageNo=2)."""
    a, b = urlsplit(base), urlsplit(url)
    if (a.netloc, a.path) != (b.netloc, b.path):
        return False
    return any(k.lower() in PAGE_PARAMS and _DIGITS.match(v) for k, v in parse_qsl(b.query))


def page_urls(url: str, page: Selector) -> list[str]:
    """下一页 targets and ?page=N siblings of this page."""
    found = []
    for anchor in _ANCHORS(page.root):
        target = link_target(anchor.get("href", ""), anchor.get("onclick", ""))
        if target is None:
            continue
        absolute = canonical_url(url, target)
        text = "".join(_TEXTS(anchor)).strip().lower()
        if text in NEXT_TEXTS or is_page_query(url, absolute):
            found.append(absolute)
    return found
