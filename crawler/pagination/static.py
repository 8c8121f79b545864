"""Static list pages: index.html, index_1.html, … and column-index-N.shtml linked from the pager."""

from __future__ import annotations

import re

from crawler.discovery import canonical_url

_PAGE_HREF = re.compile(
    r"""href\s*=\s*["']([^"'#]*?(?:index|column-index)[_-]\d+\.s?html?)["']""", re.I
)


def page_urls(url: str, html: str) -> list[str]:
    """The numbered index pages linked from this page (every page links its neighbours)."""
    return [canonical_url(url, href) for href in _PAGE_HREF.findall(html)]
