"""Guangdong 政府信息公开目录 (gkmlpt): columns in ``window._CONFIG``, articles from a JSON API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crawler.discovery import PageLink, is_column_link, parse_date

_SID = re.compile(r"""SID\s*:\s*['"]?(\d+)""")
_COLUMN = re.compile(
    r"""['"]?id['"]?\s*:\s*['"]?(\d+)['"]?\s*,\s*['"]?name['"]?\s*:\s*['"]([^'"]+)['"]""", re.I
)
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")
ALL_COLUMNS = "0"
HEADERS = {"Accept": "application/json, text/javascript, */*; q=0.01"}


@dataclass(frozen=True)
class GkmlptSite:
    """A gkmlpt directory: its base URL, site id and the columns worth reading."""

    base: str  # up to and including "/gkmlpt/"
    sid: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class GkmlptArticle:
    """One article of the API: its detail page and the attachments it lists."""

    link: PageLink
    attachments: tuple[PageLink, ...]


def site_config(url: str, text: str) -> GkmlptSite | None:
    """The gkmlpt directory a page belongs to, with its 预决算 columns (or 0 = all)."""
    sid = _SID.search(text)
    if sid is None or "/gkmlpt/" not in url:
        return None
    base = url[: url.index("/gkmlpt/") + len("/gkmlpt/")]
    columns = tuple(
        dict.fromkeys(cid for cid, name in _COLUMN.findall(text) if is_column_link(name))
    )
    return GkmlptSite(base, sid.group(1), columns or (ALL_COLUMNS,))


def api_url(site: GkmlptSite, column: str, page: int) -> str:
    """``/gkmlpt/api/all/<column>?page=N&sid=S``; pages start at 1 (0 repeats 1)."""
    return f"{site.base}api/all/{column}?page={page}&sid={site.sid}"


def unescape_percent_u(text: str) -> str:
    """Decode the ``%uXXXX`` escapes some sites put in titles."""
    return _PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), text)


def articles(data: dict[str, Any]) -> list[GkmlptArticle]:
    """The articles of one API page."""
    found = []
    for article in data.get("articles") or []:
        title = unescape_percent_u(str(article.get("title") or ""))
        published = parse_date(str(article.get("created_at") or ""))
        url = str(article.get("url") or article.get("post_url") or "")
        attachments = tuple(
            PageLink(str(a["url"]), unescape_percent_u(str(a.get("name") or "")), published)
            for a in article.get("attachment") or []
            if a.get("url")
        )
        if url:
            found.append(GkmlptArticle(PageLink(url, title, published), attachments))
    return found


def post_count(data: dict[str, Any]) -> int | None:
    """How many articles the column holds in all."""
    classify = data.get("classify") or {}
    value = classify.get("post_count", data.get("total"))
    return int(value) if value is not None else None
