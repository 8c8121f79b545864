"""桐溪县, a generic 信息公开 site: ?page=N lists with 下一页/尾页, metadata blocks, content_N.html.

- Home ``/tongxi/index.html`` links 财政信息 -> ``/tongxi/zfxxgk/czxx/list.html``.
- ``list.html?page=N`` (10 a page); each page repeats the last entry of the page before, as a list
  that moved while being crawled does; the last page has no 下一页 link.
- Details ``/tongxi/zfxxgk/czxx/content_16183.html`` (UTF-8) with the full narrative and tables,
  files under ``/tongxi/uploadfiles/``.
"""

from __future__ import annotations

import math
from datetime import date
from functools import partial
from html import escape
from urllib.parse import quote

from crawler.sample_portal import catalog, pages
from crawler.sample_portal.attachments import attachment_bytes, broken_pdf, oversized_pdf
from crawler.sample_portal.model import Attachment, County, NastyCase, NewsItem
from crawler.sample_portal.narrative import report
from crawler.sample_portal.responses import Request, Response
from crawler.sample_portal.site import (
    PublishedDoc,
    Site,
    html_response,
    lazy_file,
    redirect,
    static_html,
)

SLUG = "tongxi"
NAME = "桐溪县"
ROOT = f"/{SLUG}"
COLUMN = f"{ROOT}/zfxxgk/czxx"
LIST = f"{COLUMN}/list.html"
PER_PAGE = 10
REDIRECT_SEQ = 3  # listed under an old /xxgk/ URL that answers 301
ONCLICK_SEQ = 12  # listed as href="javascript:void(0)" onclick="jumpToDetail('./content_N.html')"
FILE_ONLY_SEQ = 17  # the list links the file itself; there is no detail page
BIG_SEQ = 21  # also carries a scanned PDF of big_file_mb megabytes
BROKEN_SEQ = 9  # also carries a PDF cut off mid-file (its extraction must fail alone)
DISALLOWED = f"{ROOT}/internal/content_99001.html"
DISALLOWED_TITLE = "桐溪县2024年部门预算汇总（内部审核稿）"


def _meta_block(title: str, day: date, number: int) -> str:
    rows = (
        ("索引号", f"txx021-/{day.year}-{day:%m%d}{number % 1000:03d}"),
        ("公文目录", "部门财政预决算"),
        ("发文机构", f"{NAME}财政局"),
        ("发布日期", f"{day.year}年{day:%m}月{day:%d}日"),
        ("文号", ""),
        ("标题", title),
    )
    cells = "".join(f"<tr><th>{k}：</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="xxgk-meta">{cells}</table>'


def _detail_html(title: str, day: date, number: int, body: str, links: str) -> str:
    main = (
        f'{_meta_block(title, day, number)}\n<div id="UCAP-CONTENT"><h1>{escape(title)}</h1>\n'
        f'{body}\n<div class="fj">{links}</div></div>'
    )
    return pages.layout(title, main, site_name=NAME)


def _link(href: str, name: str) -> str:
    return f'<p>附件：<a href="{escape(href)}">{escape(name)}</a></p>'


def _list_item(title: str, href: str, day: date, onclick: bool) -> str:
    if onclick:
        target = f'href="javascript:void(0)" onclick="jumpToDetail(\'{escape(href)}\')"'
    else:
        target = f'href="{escape(href)}"'
    short = title if len(title) <= 20 else title[:20] + "..."
    return f'<li><a {target} title="{escape(title)}">{escape(short)}</a><span>[{day.isoformat()}]</span></li>'


def _list_page(items: list[str], page: int, total: int) -> str:
    nav = [f'<a href="{LIST}?page=1">首页</a>']
    if page > 1:
        nav.append(f'<a href="{LIST}?page={page - 1}">上一页</a>')
    if page < total:
        nav.append(f'<a href="{LIST}?page={page + 1}">下一页</a>')
    nav.append(f'<a href="{LIST}?page={total}">尾页</a>')
    hidden = ""
    if page == 1:
        # An internal draft the site hides only via robots.txt; a polite crawler never fetches it.
        hidden = "\n" + _list_item(DISALLOWED_TITLE, DISALLOWED, date(2024, 1, 5), False)
    body = (
        '<div class="list"><h2>财政信息</h2><ul>\n'
        + "\n".join(items)
        + hidden
        + f'\n</ul>\n<div class="pagination">共{total}页 第{page}页 '
        + " ".join(nav)
        + "</div></div>"
    )
    return pages.layout("财政信息", body, site_name=NAME)


class GenericCounty:
    """Builds and mounts 桐溪县."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.items: list[tuple[date, int, str]] = []  # (date, order, <li> html)

    def _files(self, spec: catalog.DocSpec, number: int) -> list[Attachment]:
        name = f"{spec.title}.{spec.fmt}"
        path = f"{ROOT}/uploadfiles/{spec.published:%Y%m}/{number}.{spec.fmt}"
        if spec.seq == FILE_ONLY_SEQ:
            path = f"{ROOT}/uploadfiles/{spec.published:%Y%m}/{quote(name)}"
        modified = pages.stamp(spec.published)
        self.site.route(
            path, lazy_file(partial(attachment_bytes, spec.key, spec.fmt), spec.fmt, modified)
        )
        files = [Attachment(self.site.url(path), name, spec.fmt)]
        if spec.seq == BIG_SEQ:
            big = f"{ROOT}/uploadfiles/{spec.published:%Y%m}/{number}_scan.pdf"
            render = partial(oversized_pdf, spec.key, self.site.big_file_mb)
            self.site.route(big, lazy_file(render, "pdf", modified))
            files.append(
                Attachment(self.site.url(big), f"{spec.title}（扫描件）.pdf", "pdf", oversized=True)
            )
        if spec.seq == BROKEN_SEQ:
            cut = f"{ROOT}/uploadfiles/{spec.published:%Y%m}/{number}_tables.pdf"
            self.site.route(cut, lazy_file(partial(broken_pdf, spec.key), "pdf", modified))
            files.append(
                Attachment(self.site.url(cut), f"{spec.title}（附表）.pdf", "pdf", broken=True)
            )
        return files

    def _publish_doc(self, spec: catalog.DocSpec) -> None:
        number = 16180 + spec.seq
        detail = f"{COLUMN}/content_{number}.html"
        files = self._files(spec, number)
        listed: str = detail
        if spec.seq == FILE_ONLY_SEQ:
            listed, detail_url = files[0].url.removeprefix(self.site.base_url), None
        else:
            links = "".join(
                _link(a.url.removeprefix(self.site.base_url), a.filename) for a in files
            )
            html = _detail_html(
                spec.title, spec.published, number, pages.report_html(report(spec.key)), links
            )
            modified = pages.stamp(spec.published)
            self.site.route(detail, static_html(html, modified))
            detail_url = self.site.url(detail)
        if spec.seq == REDIRECT_SEQ:
            listed = f"{ROOT}/xxgk/content_{number}.html"
            self.site.route(listed, redirect(301, self.site.url(detail)))
        href = f"./content_{number}.html" if spec.seq == ONCLICK_SEQ else listed
        self.items.append(
            (
                spec.published,
                spec.seq,
                _list_item(spec.title, href, spec.published, spec.seq == ONCLICK_SEQ),
            )
        )
        self.site.published.append(
            PublishedDoc(spec, self.site.url(listed), detail_url, tuple(files), "utf-8")
        )

    def _publish_news(self, item: catalog.NewsSpec) -> None:
        number = 17100 + item.seq
        path = f"{COLUMN}/content_{number}.html"
        html = _detail_html(
            item.title,
            item.published,
            number,
            pages.news_body(item.title, item.published, NAME),
            "",
        )
        modified = pages.stamp(item.published)
        self.site.route(path, static_html(html, modified))
        self.items.append(
            (item.published, 100 + item.seq, _list_item(item.title, path, item.published, False))
        )
        self.site.news.append(NewsItem(SLUG, item.title, self.site.url(path), item.published))

    def _list(self, rendered: list[str], request: Request) -> Response:
        total = math.ceil(len(rendered) / PER_PAGE)
        page = int(request.arg("page") or 1) if request.arg("page").isdigit() else 1
        if not 1 <= page <= total:
            return Response(404, pages.error_page(404, "Not Found"), cacheable=False)
        # The list moved while it was read: each page repeats the previous page's last entry.
        start = max(0, (page - 1) * PER_PAGE - 1)
        return html_response(
            _list_page(rendered[start : page * PER_PAGE], page, total), pages.LIST_STAMP
        )

    def mount(self) -> None:
        """Register every route of 桐溪县 and record what it publishes."""
        for spec in catalog.disclosures(SLUG):
            self._publish_doc(spec)
        for item in catalog.news(SLUG):
            self._publish_news(item)
        rendered = [li for _, _, li in sorted(self.items, key=lambda t: (t[0], t[1]), reverse=True)]
        self.site.route(LIST, lambda r: self._list(rendered, r))
        internal = _detail_html(
            DISALLOWED_TITLE, date(2024, 1, 5), 99001, "<p>内部资料，请勿外传。</p>", ""
        )
        self.site.route(DISALLOWED, static_html(internal, pages.LIST_STAMP))
        home = pages.home_page(
            NAME,
            [
                (f"{ROOT}/index.html", "首页"),
                (LIST, "财政信息"),
                (f"{ROOT}/zfxxgk/index.html", "政府信息公开"),
            ],
        )
        for path in (f"{ROOT}/", f"{ROOT}/index.html"):
            self.site.route(path, static_html(home, pages.LIST_STAMP))
        self._add_county_and_cases(math.ceil(len(rendered) / PER_PAGE))

    def _add_county_and_cases(self, pages_total: int) -> None:
        self.site.county_list.append(
            County(
                NAME,
                SLUG,
                "generic",
                self.site.url(f"{ROOT}/index.html"),
                self.site.url(LIST),
                "财政信息",
            )
        )
        by_seq = {d.spec.seq: d for d in self.site.published if d.spec.slug == SLUG}
        big = by_seq[BIG_SEQ].attachments[1]
        broken = by_seq[BROKEN_SEQ].attachments[1]
        self.site.nasty += [
            NastyCase(
                "next_page_links",
                self.site.url(f"{LIST}?page=2"),
                f"{pages_total} pages via 下一页 (?page=N); page {pages_total + 1} is 404",
                SLUG,
            ),
            NastyCase(
                "same_url_two_list_pages",
                self.site.url(f"{LIST}?page=2"),
                "each page repeats the last entry of the previous one; fetch it once",
                SLUG,
            ),
            NastyCase(
                "redirect_301",
                by_seq[REDIRECT_SEQ].listed_url,
                f"301 to {by_seq[REDIRECT_SEQ].detail_url}; store under the final URL",
                SLUG,
            ),
            NastyCase(
                "onclick_link",
                by_seq[ONCLICK_SEQ].detail_url or "",
                "listed as javascript:void(0) with jumpToDetail('./content_N.html')",
                SLUG,
            ),
            NastyCase(
                "list_links_file",
                by_seq[FILE_ONLY_SEQ].listed_url,
                "the list entry is the file itself (percent-encoded Chinese name), no detail page",
                SLUG,
            ),
            NastyCase(
                "oversized_attachment",
                big.url,
                f"{self.site.big_file_mb} MB: skipped when the size cap is lower (Content-Length "
                "tells before the body)",
                SLUG,
            ),
            NastyCase(
                "broken_attachment",
                broken.url,
                "a PDF cut off mid-file: stored, its extraction fails with an error naming it, "
                "the other documents are extracted, and the next crawl tries it again",
                SLUG,
            ),
            NastyCase(
                "robots_disallowed",
                self.site.url(DISALLOWED),
                "disallowed by robots.txt although it looks like a disclosure: never fetched",
                SLUG,
            ),
        ]


def mount(site: Site) -> None:
    """Mount 桐溪县 (a generic 信息公开 site) into the site."""
    GenericCounty(site).mount()
