"""南岭县 in the style of Guangdong gkmlpt: a Vue shell with window._CONFIG and a JSON list API.

- Home ``/nanling/index.html`` links 财政预决算 -> ``/nanling/gkmlpt/index#2781`` (the column id is
  in the fragment; the TREE in ``window._CONFIG`` names it).
- List API ``/nanling/gkmlpt/api/all/2781?page=N&sid=755041`` (15 per page, page 0 = page 1,
  past the end: no articles); ``api/all/0`` lists every column.
- Details ``/nanling/gkmlpt/content/0/963/post_963153.html``, files ``/nanling/attachment/0/…``;
  all URLs in the API and pages are absolute, as on real sites.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from functools import partial
from html import escape

from crawler.sample_portal import catalog, data, pages
from crawler.sample_portal.attachments import attachment_bytes, news_pdf
from crawler.sample_portal.model import Attachment, County, Format, NastyCase, NewsItem
from crawler.sample_portal.responses import Request, Response
from crawler.sample_portal.site import (
    Handler,
    PublishedDoc,
    Site,
    file_response,
    lazy_file,
    static_html,
)

SLUG = "nanling"
NAME = "南岭县"
ROOT = f"/{SLUG}"
SID = "755041"
COLUMN_ID = 2781
PER_PAGE = 15
API = f"{ROOT}/gkmlpt/api/all"
FAIL_ONCE_SEQ = 6  # this detail page answers 500 the first time
PERCENT_U_SEQ = 10  # the API gives this title with %uXXXX escapes
ALTERED_KEY = "/".join(str(p) for p in data.ALTERED)
TREE = [
    {
        "id": 2775,
        "name": "法定主动公开内容",
        "post_count": 35,
        "children": [
            {"id": COLUMN_ID, "name": "财政预决算", "post_count": 35, "children": []},
            {"id": 2782, "name": "规划计划", "post_count": 0, "children": []},
        ],
    },
    {"id": 2790, "name": "依申请公开", "jump_url": "http://www.gd.gov.cn/ysqgk/", "children": []},
]


def _post_id(seq: int, news: bool) -> int:
    return 963140 + 13 * seq + (700 if news else 0)


def _detail_path(post: int) -> str:
    return f"{ROOT}/gkmlpt/content/0/{post // 1000}/post_{post}.html"


def _file_path(post: int, fmt: str) -> str:
    return f"{ROOT}/attachment/0/{post // 1000}/{post}/{post * 3 % 1000003}.{fmt}"


def _percent_u(text: str) -> str:
    return "".join(f"%u{ord(ch):04X}" if ord(ch) > 127 else ch for ch in text)


def _article_json(
    site: Site, post: int, title: str, day: date, files: list[Attachment]
) -> dict[str, object]:
    stamp = datetime(day.year, day.month, day.day, 16, 25, 4)
    return {
        "id": post,
        "title": title,
        "url": site.url(_detail_path(post)),
        "post_url": site.url(_detail_path(post)),
        "created_at": f"{stamp:%Y-%m-%d %H:%M:%S}",
        "create_time": int(stamp.timestamp()),
        "date": 0,
        "display_publish_time": 0,
        "document_number": "",
        "publisher": f"{NAME}财政局",
        "identifier": f"11441900MB2C{post % 10000:04d}/{day.year}-{post % 1000:05d}",
        "classify_main_name": "财政预决算",
        "abstract": "",
        "is_expired": 0,
        "is_abolished": 0,
        "attachment": [
            {"id": post * 2 + i, "name": a.filename, "type": a.fmt, "url": a.url}
            for i, a in enumerate(files)
        ],
    }


def _list_api(articles: list[dict[str, object]], request: Request, column: str) -> Response:
    """GET api/all/<column>?page=N&sid=S: page 0 and 1 are the same; past the end, no articles."""
    known = column in (str(COLUMN_ID), "0") and request.arg("sid") == SID
    items = articles if known else []
    page = max(1, int(request.arg("page") or 1))
    chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
    payload = {"total": len(items), "classify": {"post_count": len(items)}, "articles": chunk}
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Response(200, body, "application/json;charset=UTF-8", cacheable=False)


def _shell(site: Site) -> str:
    config = (
        f"window._CONFIG = {{SID:'{SID}', SITE_NAME:'{NAME}人民政府', "
        f"API_BASE:'{site.url(ROOT)}/gkmlpt/api', TREE: {json.dumps(TREE, ensure_ascii=False)}, "
        "SERVICE_AREA_ID: 441900, IS_GKML: true};"
    )
    body = (
        '<div id="app"></div>\n'
        f"<script>{config}</script>\n"
        '<script src="/nanling/gkmlpt/gkml/pc/js/chunk-common.3f2a9c1e.js"></script>'
    )
    return pages.layout(f"{NAME}政府信息公开目录", body, site_name=NAME)


def _detail_html(title: str, day: date, post: int, body: str, files: list[Attachment]) -> str:
    meta = (
        ("索引号", f"11441900MB2C{post % 10000:04d}/{day.year}-{post % 1000:05d}"),
        ("分类", "财政预决算"),
        ("发布机构", f"{NAME}财政局"),
        ("成文日期", day.isoformat()),
        ("名称", title),
        ("文号", ""),
        ("发布日期", day.isoformat()),
        ("主题词", ""),
    )
    table = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in meta)
    links = "".join(
        f'<p><a class="nfw-cms-attachment" href="{escape(a.url)}">{escape(a.filename)}</a></p>'
        for a in files
    )
    detail = json.dumps({"title": title, "content": body}, ensure_ascii=True).replace(
        "<", "\\u003C"
    )
    main = (
        f'<table class="classify">{table}</table>\n<div class="content"><h1>{escape(title)}</h1>\n'
        f'<div class="article-content">{body}{links}</div></div>\n'
        f"<script>window._CONFIG = window._CONFIG || {{}}; window._CONFIG.DETAIL = {detail};</script>"
    )
    return pages.layout(title, main, site_name=NAME)


class GkmlptCounty:
    """Builds and mounts 南岭县."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.articles: list[tuple[date, int, dict[str, object]]] = []

    def _versioned(self, key: str, fmt: Format, day: date) -> Handler:
        """The file that is edited in place after publication (SamplePortal.bump_version)."""

        def handle(_request: Request) -> Response:
            version = self.site.version
            modified = (
                pages.stamp(day)
                if version == 0
                else (datetime(2024, 6, 3, 10, 0, tzinfo=pages.CHINA) + timedelta(days=version))
            )
            return file_response(attachment_bytes(key, fmt, version), fmt, modified)

        return handle

    def _publish_doc(self, spec: catalog.DocSpec) -> None:
        post = _post_id(spec.seq, False)
        path, file_path = _detail_path(post), _file_path(post, spec.fmt)
        versioned = spec.key == ALTERED_KEY
        handler = (
            self._versioned(spec.key, spec.fmt, spec.published)
            if versioned
            else lazy_file(
                partial(attachment_bytes, spec.key, spec.fmt), spec.fmt, pages.stamp(spec.published)
            )
        )
        self.site.route(file_path, handler)
        files = [
            Attachment(
                self.site.url(file_path), f"{spec.title}.{spec.fmt}", spec.fmt, versioned=versioned
            )
        ]
        body = f"<p>{escape(spec.title)}，具体内容详见附件。</p>"
        html = _detail_html(spec.title, spec.published, post, body, files)
        modified = pages.stamp(spec.published)
        self.site.route(path, static_html(html, modified))
        if spec.seq == FAIL_ONCE_SEQ:
            self.site.fail_once(path)
        title = _percent_u(spec.title) if spec.seq == PERCENT_U_SEQ else spec.title
        self.articles.append(
            (spec.published, spec.seq, _article_json(self.site, post, title, spec.published, files))
        )
        url = self.site.url(path)
        self.site.published.append(PublishedDoc(spec, url, url, tuple(files), "utf-8"))

    def _publish_news(self, item: catalog.NewsSpec) -> None:
        post = _post_id(item.seq, True)
        files: list[Attachment] = []
        if item.with_pdf:
            file_path = _file_path(post, "pdf")
            self.site.route(
                file_path,
                lazy_file(partial(news_pdf, item.title), "pdf", pages.stamp(item.published)),
            )
            files.append(Attachment(self.site.url(file_path), f"{item.title}.pdf", "pdf"))
        html = _detail_html(
            item.title,
            item.published,
            post,
            pages.news_body(item.title, item.published, NAME),
            files,
        )
        modified = pages.stamp(item.published)
        self.site.route(_detail_path(post), static_html(html, modified))
        self.articles.append(
            (
                item.published,
                100 + item.seq,
                _article_json(self.site, post, item.title, item.published, files),
            )
        )
        self.site.news.append(
            NewsItem(
                SLUG, item.title, self.site.url(_detail_path(post)), item.published, tuple(files)
            )
        )

    def mount(self) -> None:
        """Register every route of 南岭县 and record what it publishes."""
        for spec in catalog.disclosures(SLUG):
            self._publish_doc(spec)
        for item in catalog.news(SLUG):
            self._publish_news(item)
        articles = [
            a for _, _, a in sorted(self.articles, key=lambda t: (t[0], t[1]), reverse=True)
        ]
        for column in (str(COLUMN_ID), "0", "2782"):
            self.site.route(f"{API}/{column}", partial(_list_api, articles, column=column))
        shell = _shell(self.site)
        self.site.route(f"{ROOT}/gkmlpt/index", static_html(shell, pages.LIST_STAMP))
        home = pages.home_page(
            NAME,
            [
                (f"{ROOT}/index.html", "首页"),
                (f"{ROOT}/gkmlpt/index", "政府信息公开"),
                (f"{ROOT}/gkmlpt/index#{COLUMN_ID}", "财政预决算"),
            ],
        )
        for path in (f"{ROOT}/", f"{ROOT}/index.html"):
            self.site.route(path, static_html(home, pages.LIST_STAMP))
        self._add_county_and_cases(math.ceil(len(articles) / PER_PAGE))

    def _add_county_and_cases(self, pages_total: int) -> None:
        self.site.county_list.append(
            County(
                NAME,
                SLUG,
                "gkmlpt",
                self.site.url(f"{ROOT}/index.html"),
                self.site.url(f"{ROOT}/gkmlpt/index#{COLUMN_ID}"),
                "财政预决算",
            )
        )
        by_seq = {d.spec.seq: d for d in self.site.published if d.spec.slug == SLUG}
        altered = next(d for d in by_seq.values() if d.spec.key == ALTERED_KEY)
        self.site.nasty += [
            NastyCase(
                "gkmlpt_json_paging",
                self.site.url(f"{API}/{COLUMN_ID}?page=2&sid={SID}"),
                f"{pages_total} pages of {PER_PAGE}; page 0 = page 1; page {pages_total + 1} "
                "has no articles",
                SLUG,
            ),
            NastyCase(
                "fails_once_500",
                by_seq[FAIL_ONCE_SEQ].detail_url or "",
                "500 on the first request, 200 on a retry",
                SLUG,
            ),
            NastyCase(
                "percent_u_title",
                by_seq[PERCENT_U_SEQ].detail_url or "",
                "the API title is %uXXXX-escaped; decode it (the page has the plain title)",
                SLUG,
            ),
            NastyCase(
                "changed_after_publication",
                altered.attachments[0].url,
                "bytes, ETag and Last-Modified change at the same URL after bump_version(); "
                "a re-crawl stores a new version",
                SLUG,
            ),
        ]


def mount(site: Site) -> None:
    """Mount 南岭县 (Guangdong gkmlpt) into the site."""
    GkmlptCounty(site).mount()
