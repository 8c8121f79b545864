"""Pagination of the CMS families county portals run on, one module per family.

Each parser reads a page's URL and text and returns the further list pages as
``PageRequest`` values; the spider turns them into Scrapy requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parsel import Selector

from crawler.pagination import links, static, trs


@dataclass(frozen=True)
class PageRequest:
    """A further list page: a GET, or a POST with a form body (Hanweb dataproxy.jsp)."""

    url: str
    method: str = "GET"
    formdata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def html_pages(url: str, html: str, page: Selector) -> list[str]:
    """Further list pages an HTML list page points to: TRS script, index_N, 下一页, ?page=N."""
    found = trs.page_urls(url, html) + static.page_urls(url, html) + links.page_urls(url, page)
    return list(dict.fromkeys(u for u in found if u != url))
