"""TRS WCM list pages: ``createPageHTML(pages, current, "index", "html")`` writes the pager."""

from __future__ import annotations

import re

from crawler.discovery import canonical_url

# Newer templates put a container id first: createPageHTML('page_div', 5, 0, 'index', 'html', 87).
_CALL = re.compile(
    r"""createPageHTML\(\s*(?:['"][\w-]+['"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['"](\w+)['"]\s*,\s*['"](\w+)['"]"""
)


def page_urls(url: str, html: str) -> list[str]:
    """Every page of the column: page 0 is index.html, page k is index_k.html."""
    match = _CALL.search(html)
    if match is None:
        return []
    pages, prefix, suffix = int(match.group(1)), match.group(3), match.group(4)
    names = [f"{prefix}.{suffix}"] + [f"{prefix}_{k}.{suffix}" for k in range(1, pages)]
    return [canonical_url(url, name) for name in names]
