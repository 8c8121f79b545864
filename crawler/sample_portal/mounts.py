"""Mount every county into a Site, plus the portal's own root page and robots.txt."""

from __future__ import annotations

from html import escape

from crawler.sample_portal import antibot, cms_generic, cms_gkmlpt, cms_hanweb, cms_trs, pages
from crawler.sample_portal.model import NastyCase
from crawler.sample_portal.responses import Response
from crawler.sample_portal.site import Site, static_html

ROBOTS = """User-agent: *
Disallow: /tongxi/internal/
Disallow: /yunxi/module/search/

User-agent: BadBot
Disallow: /
"""


def _root_page(site: Site) -> str:
    items = "\n".join(
        f'<li><a href="{escape(c.home_url)}">{escape(c.name)}人民政府</a></li>'
        for c in site.counties()
    )
    return pages.layout(
        "县级政府门户网站导航", f'<ul class="sites">\n{items}\n</ul>', site_name="示例"
    )


def mount_all(site: Site) -> None:
    """Mount every county, the root directory page and robots.txt."""
    for module in (cms_hanweb, cms_trs, cms_gkmlpt, cms_generic, antibot):
        module.mount(site)
    root = _root_page(site)
    for path in ("/", "/index.html"):
        site.route(path, static_html(root, pages.LIST_STAMP))
    site.route(
        "/robots.txt",
        lambda _r: Response(200, ROBOTS.encode(), "text/plain", last_modified=pages.LIST_STAMP),
    )
    site.nasty.append(
        NastyCase(
            "robots_txt",
            site.url("/robots.txt"),
            "obey it: nothing under /tongxi/internal/ is fetched",
        )
    )
