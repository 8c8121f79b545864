"""宁川县 in the style of TRS WCM: static GBK pages, index_N.html paging, TRS_Editor, ./P0… files.

- Home ``/ningchuan/index.html`` links 财政预决算 -> ``/ningchuan/zwgk/czyjs/index.html``.
- Pages ``index.html``, ``index_1.html`` … ``index_3.html``; the pager exists only as
  ``createPageHTML(4, k, "index", "html")`` (no <a> for the next page).
- Details ``/ningchuan/zwgk/czyjs/202203/t20220315_1004342.html`` (GBK) with a one-line body and
  attachments ``./P020220315…docx`` relative to the detail page's folder.
"""

from __future__ import annotations

import math
from datetime import date
from functools import partial
from html import escape

from crawler.sample_portal import catalog, pages
from crawler.sample_portal.attachments import attachment_bytes, news_pdf
from crawler.sample_portal.model import Attachment, County, Format, NastyCase, NewsItem
from crawler.sample_portal.site import Handler, PublishedDoc, Site, lazy_file, static_html

SLUG = "ningchuan"
NAME = "宁川县"
ROOT = f"/{SLUG}"
COLUMN_DIR = f"{ROOT}/zwgk/czyjs"
PER_PAGE = 10
UNDECLARED_SEQ = 5  # GBK detail page with no charset anywhere (neither header nor meta)
MISDECLARED_SEQ = 11  # GBK bytes served as "charset=UTF-8": strict UTF-8 decoding must fail
JS_LINK_SEQ = 8  # the attachment link exists only inside `var rel_appendix = '…'`
DEAD_LINK_SEQ = 14  # a second attachment link answers 404


def _detail_dir(day: date) -> str:
    return f"{COLUMN_DIR}/{day:%Y%m}"


def _detail_name(day: date, seq: int, news: bool = False) -> str:
    return f"t{day:%Y%m%d}_{1004321 + 7 * seq + (500 if news else 0)}.html"


def _file_name(day: date, seq: int, fmt: str, index: int = 0) -> str:
    return f"P0{day:%Y%m%d}{391 + seq:04d}{728150 + 37 * index:08d}.{fmt}"


def _attachment_link(href: str, name: str, *, in_script: bool = False) -> str:
    if in_script:
        # Some TRS templates write the appendix list from a JS string (portals.md §3).
        return (
            "<script>var rel_appendix = '<a href=\"" + href + '">' + name + "</a>';"
            "document.write(rel_appendix);</script>"
        )
    protected = f"/protect/{href[2:9]}/{href[2:13]}/{href[2:]}"
    return (
        f'<p><a appendix="true" href="{href}" OLDSRC="{protected}" download="{escape(name)}" '
        f'title="{escape(name)}">{escape(name)}</a></p>'
    )


def _detail_html(title: str, published: date, body: str, links: str, charset: str | None) -> str:
    head = (
        f'<meta name="ArticleTitle" content="{escape(title)}">\n'
        f'<meta name="PubDate" content="{published.isoformat()} 15:02:08">\n'
        f'<meta name="ContentSource" content="{NAME}财政局">\n'
        '<meta name="ColumnName" content="财政预决算">'
    )
    main = (
        f'<div class="detail"><h1>{escape(title)}</h1>\n'
        f'<div class="source">发布时间：{published.isoformat()}　来源：{NAME}财政局</div>\n'
        f'<div class="TRS_Editor">{body}</div>\n<div class="appendix">{links}</div></div>'
    )
    return pages.layout(title, main, charset=charset, head=head, site_name=NAME)


def _list_html(rows: list[tuple[str, str, date]], page: int, pages_total: int) -> str:
    items = "\n".join(
        f'<li><a href="{escape(href)}" title="{escape(title)}" target="_blank">{escape(title)}</a>'
        f"<span>{day:%Y/%m/%d}</span></li>"
        for href, title, day in rows
    )
    body = (
        f'<div class="list"><h2>财政预决算</h2><ul>\n{items}\n</ul>\n'
        f'<div class="page"><script>createPageHTML({pages_total}, {page}, "index", "html");'
        "</script></div></div>"
    )
    return pages.layout("财政预决算", body, charset="gb2312", site_name=NAME)


def _gbk(html: str, declared: str | None) -> Handler:
    return static_html(html, pages.LIST_STAMP, encoding="gbk", declared=declared)


class TrsCounty:
    """Builds and mounts 宁川县."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.rows: list[tuple[date, int, str, str]] = []  # (date, order, href from list, title)

    def _serve_file(
        self, folder: str, name: str, fmt: Format, render: partial[bytes], day: date
    ) -> Attachment:
        self.site.route(f"{folder}/{name}", lazy_file(render, fmt, pages.stamp(day)))
        return Attachment(self.site.url(f"{folder}/{name}"), "", fmt)

    def _publish_doc(self, spec: catalog.DocSpec) -> None:
        folder, detail = _detail_dir(spec.published), _detail_name(spec.published, spec.seq)
        name = f"{spec.title}.{spec.fmt}"
        file_name = _file_name(spec.published, spec.seq, spec.fmt)
        served = self._serve_file(
            folder,
            file_name,
            spec.fmt,
            partial(attachment_bytes, spec.key, spec.fmt),
            spec.published,
        )
        attachments = [Attachment(served.url, name, spec.fmt)]
        links = _attachment_link(f"./{file_name}", name, in_script=spec.seq == JS_LINK_SEQ)
        if spec.seq == DEAD_LINK_SEQ:
            dead = _file_name(spec.published, spec.seq, "pdf", 1)  # never routed: 404
            links += _attachment_link(f"./{dead}", f"{spec.title}（附表）.pdf")
            attachments.append(
                Attachment(
                    self.site.url(f"{folder}/{dead}"),
                    f"{spec.title}（附表）.pdf",
                    "pdf",
                    status=404,
                )
            )
        charset: str | None = "gb2312"
        declared: str | None = None  # nginx serving static TRS files sends no charset
        if spec.seq == UNDECLARED_SEQ:
            charset = None
        if spec.seq == MISDECLARED_SEQ:
            charset, declared = None, "UTF-8"
        body = f"<p>{escape(spec.title)}，详见附件。</p><p>保密审查情况：已审查</p>"
        html = _detail_html(spec.title, spec.published, body, links, charset)
        modified = pages.stamp(spec.published)
        self.site.route(
            f"{folder}/{detail}",
            static_html(html, modified, encoding="gbk", declared=declared),
        )
        self.rows.append(
            (spec.published, spec.seq, f"./{spec.published:%Y%m}/{detail}", spec.title)
        )
        url = self.site.url(f"{folder}/{detail}")
        self.site.published.append(PublishedDoc(spec, url, url, tuple(attachments), "gbk"))

    def _publish_news(self, item: catalog.NewsSpec) -> None:
        folder, detail = _detail_dir(item.published), _detail_name(item.published, item.seq, True)
        links = ""
        attachments: tuple[Attachment, ...] = ()
        if item.with_pdf:
            file_name = _file_name(item.published, 90 + item.seq, "pdf")
            served = self._serve_file(
                folder, file_name, "pdf", partial(news_pdf, item.title), item.published
            )
            links = _attachment_link(f"./{file_name}", f"{item.title}.pdf")
            attachments = (Attachment(served.url, f"{item.title}.pdf", "pdf"),)
        html = _detail_html(
            item.title,
            item.published,
            pages.news_body(item.title, item.published, NAME),
            links,
            "gb2312",
        )
        modified = pages.stamp(item.published)
        self.site.route(
            f"{folder}/{detail}",
            static_html(html, modified, encoding="gbk", declared=None),
        )
        self.rows.append(
            (item.published, 100 + item.seq, f"./{item.published:%Y%m}/{detail}", item.title)
        )
        self.site.news.append(
            NewsItem(
                SLUG, item.title, self.site.url(f"{folder}/{detail}"), item.published, attachments
            )
        )

    def mount(self) -> None:
        """Register every route of 宁川县 and record what it publishes."""
        for spec in catalog.disclosures(SLUG):
            self._publish_doc(spec)
        for item in catalog.news(SLUG):
            self._publish_news(item)
        rows = [(href, title, day) for day, _, href, title in sorted(self.rows, reverse=True)]
        total = math.ceil(len(rows) / PER_PAGE)
        for page in range(total):
            html = _list_html(rows[page * PER_PAGE : (page + 1) * PER_PAGE], page, total)
            name = "index.html" if page == 0 else f"index_{page}.html"
            self.site.route(f"{COLUMN_DIR}/{name}", _gbk(html, None))
        home = pages.home_page(
            NAME,
            [
                (f"{ROOT}/index.html", "首页"),
                (f"{COLUMN_DIR}/index.html", "财政预决算"),
                (f"{ROOT}/zwgk/index.html", "政务公开"),
            ],
        )
        home = home.replace("charset=utf-8", "charset=gb2312")
        for path in (f"{ROOT}/", f"{ROOT}/index.html"):
            self.site.route(path, _gbk(home, "GBK"))
        self._add_county_and_cases(total)

    def _add_county_and_cases(self, pages_total: int) -> None:
        self.site.county_list.append(
            County(
                NAME,
                SLUG,
                "trs",
                self.site.url(f"{ROOT}/index.html"),
                self.site.url(f"{COLUMN_DIR}/index.html"),
                "财政预决算",
            )
        )
        by_seq = {d.spec.seq: d for d in self.site.published if d.spec.slug == SLUG}

        def detail(seq: int) -> str:
            return by_seq[seq].detail_url or ""

        self.site.nasty += [
            NastyCase(
                "trs_create_page_html",
                self.site.url(f"{COLUMN_DIR}/index_1.html"),
                f"pages index.html, index_1.html … index_{pages_total - 1}.html known only "
                f'from createPageHTML({pages_total}, 0, "index", "html")',
                SLUG,
            ),
            NastyCase(
                "gbk_undeclared",
                detail(UNDECLARED_SEQ),
                "GBK page with no charset in header or meta; decode as GB18030",
                SLUG,
            ),
            NastyCase(
                "gbk_declared_utf8",
                detail(MISDECLARED_SEQ),
                "header says charset=UTF-8 but the bytes are GBK; strict UTF-8 fails, "
                "fall back to GB18030",
                SLUG,
            ),
            NastyCase(
                "js_written_attachment",
                detail(JS_LINK_SEQ),
                "the only attachment link is inside `var rel_appendix = '…'`",
                SLUG,
            ),
            NastyCase(
                "attachment_404",
                by_seq[DEAD_LINK_SEQ].attachments[1].url,
                "404: record the failure, keep the disclosure and its other file",
                SLUG,
            ),
        ]


def mount(site: Site) -> None:
    """Mount 宁川县 (TRS WCM) into the site."""
    TrsCounty(site).mount()
