"""大汉 Hanweb JCMS columns: records in a ``<datastore>`` XML island, more from dataproxy.jsp."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from parsel import Selector

from crawler.discovery import PageLink, canonical_url, page_links
from crawler.pagination import PageRequest

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"]", re.S)
_TOTAL = re.compile(r"(?:totalRecord\s*:\s*['\"]?|<totalrecord>\s*)(\d+)", re.I)
_PERPAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)", re.I)
DEFAULT_PERPAGE = 20
# The browser asks for three pages per request (portals.md §2).
PAGES_PER_REQUEST = 3
FORM_KEYS = ("appid", "webid", "path", "columnid", "unitid", "webname", "permissiontype")


@dataclass(frozen=True)
class DataProxy:
    """Where a column's further records come from, and how many there are."""

    endpoint: str  # absolute URL of dataproxy.jsp, without query
    params: dict[str, str]
    total: int | None
    perpage: int
    referer: str


def records(text: str, base_url: str) -> list[PageLink]:
    """The links of every ``<record>`` in a datastore island or a dataproxy.jsp answer."""
    found: list[PageLink] = []
    for fragment in _RECORD.findall(text):
        found += page_links(Selector(text=fragment), base_url)
    return found


def data_proxy(url: str, text: str) -> DataProxy | None:
    """The dataproxy.jsp endpoint and column parameters of a Hanweb column page, if it is one."""
    match = _NEXTGROUP.search(text)
    if match is None or "dataproxy.jsp" not in match.group(1):
        return None
    target = canonical_url(url, match.group(1).replace("&amp;", "&"))
    parts = urlsplit(target)
    params = {k: v for k, v in parse_qsl(parts.query) if k in FORM_KEYS}
    total = _TOTAL.search(text)
    perpage = _PERPAGE.search(text)
    return DataProxy(
        endpoint=f"{parts.scheme}://{parts.netloc}{parts.path}",
        params=params,
        total=int(total.group(1)) if total else None,
        perpage=int(perpage.group(1)) if perpage else DEFAULT_PERPAGE,
        referer=url,
    )


def total_records(text: str) -> int | None:
    """``<totalrecord>`` of a dataproxy.jsp answer."""
    match = _TOTAL.search(text)
    return int(match.group(1)) if match else None


def proxy_request(proxy: DataProxy, start: int) -> PageRequest:
    """The POST for records ``start`` … ``start + 3 × perpage − 1``, as the browser sends it."""
    end = start + proxy.perpage * PAGES_PER_REQUEST - 1
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": proxy.perpage})
    form = {"col": "1", "sourceContentType": "1", **proxy.params}
    headers = {"X-Requested-With": "XMLHttpRequest", "Referer": proxy.referer}
    return PageRequest(f"{proxy.endpoint}?{query}", "POST", form, headers)


def next_start(start: int, proxy: DataProxy, total: int | None) -> int | None:
    """The startrecord after the batch beginning at ``start``, or None when all are fetched."""
    following = start + proxy.perpage * PAGES_PER_REQUEST
    if total is None or following > total:
        return None
    return following
