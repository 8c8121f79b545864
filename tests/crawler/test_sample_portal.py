"""The sample portal served for real on 127.0.0.1 and read back with urllib."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin

import pytest

from crawler.sample_portal import Manifest, SamplePortal
from crawler.sample_portal.cms_gkmlpt import SID

BROWSER_HEADERS = {"User-Agent": "budgetwatch-tests"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let the tests see 301/302 answers themselves."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxy (only 127.0.0.1 is ever contacted) and no automatic redirects.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


def fetch(
    url: str,
    *,
    method: str | None = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one request."""
    request = urllib.request.Request(
        url, data=data, method=method, headers={**BROWSER_HEADERS, **(headers or {})}
    )
    try:
        with OPENER.open(request, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def decode_html(headers: dict[str, str], body: bytes) -> str:
    """Declared charset, then strict UTF-8, then GB18030 (portals.md §7)."""
    declared = re.search(r"charset=([\w-]+)", headers.get("content-type", ""))
    for codec in ([declared.group(1)] if declared else []) + ["utf-8", "gb18030"]:
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    raise AssertionError("undecodable page")


class Links(HTMLParser):
    """Collect (href, title, text, onclick) of every <a>."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = {k: v or "" for k, v in attrs} | {"text": ""}
            self.links.append(self._open)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None


def links_of(html: str) -> list[dict[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def target_of(link: dict[str, str], page_url: str) -> str:
    """The URL a crawler should follow for a link, onclick included."""
    onclick = re.search(r"jumpToDetail\('([^']+)'\)", link.get("onclick", ""))
    return urljoin(page_url, onclick.group(1) if onclick else link["href"])


@pytest.fixture(scope="module")
def portal() -> Iterator[SamplePortal]:
    with SamplePortal() as served:
        yield served


@pytest.fixture(scope="module")
def manifest(portal: SamplePortal) -> Manifest:
    return portal.manifest()


def listed_urls(manifest: Manifest, slug: str) -> set[str]:
    """What a county's 预决算 column lists: its disclosures and its news."""
    docs = {d.listed_url for d in manifest.disclosures if d.county == slug}
    return docs | {n.url for n in manifest.news if n.county == slug}


# -- contents -------------------------------------------------------------------------------------


def test_manifest_covers_three_cms_families_and_every_format(manifest: Manifest) -> None:
    cms = {c.cms for c in manifest.counties if c.cms}
    assert cms == {"hanweb", "trs", "gkmlpt", "generic"}
    # 桐溪县 has 8 departments, enough peers for peer_outlier; the others 5 each.
    assert len(manifest.disclosures) == (3 * 5 + 8) * 3 * 2
    for county in ("yunxi", "ningchuan", "nanling", "tongxi"):
        docs = [d for d in manifest.disclosures if d.county == county]
        assert len({d.department for d in docs}) >= 5
        assert {d.year for d in docs} == {2021, 2022, 2023}
        assert {a.fmt for d in docs for a in d.attachments} == {"pdf", "docx", "xlsx", "xls", "zip"}
    assert all("预算" in n.title or "支出绩效" in n.title for n in manifest.news)
    assert len(manifest.news) == 20


def test_figures_are_internally_consistent_except_where_planted(manifest: Manifest) -> None:
    planted_sum = {a.disclosure_key for a in manifest.anomalies if a.kind == "sum_mismatch"}
    for doc in manifest.disclosures:
        f = doc.figures
        basic = f["expenditure_personnel"] + f["expenditure_public"]
        assert (basic != f["expenditure_basic"]) == (doc.key in planted_sum), doc.key
        assert f["expenditure_total"] == f["revenue_total"]
        assert f["three_public_vehicle"] == (
            f["three_public_vehicle_purchase"] + f["three_public_vehicle_operation"]
        )
        parts = f["three_public_outbound"] + f["three_public_vehicle"] + f["three_public_reception"]
        assert parts == f["three_public_total"], doc.key
        assert all(v == v.quantize(Decimal(100)) for v in f.values())  # whole 0.01 万元


def test_stated_changes_match_last_year_except_the_planted_one(manifest: Manifest) -> None:
    planted = {a.disclosure_key for a in manifest.anomalies if a.kind == "stated_change_mismatch"}
    mismatched = set()
    for doc in manifest.disclosures:
        if doc.year == 2021:
            continue  # 2020 is not published
        before = manifest.disclosure(doc.county, doc.department, doc.year - 1, doc.kind)
        actual = doc.figures["three_public_total"] - before.figures["three_public_total"]
        if actual != doc.figures["three_public_total_change"]:
            mismatched.add(doc.key)
    assert mismatched == planted and len(planted) == 1


def test_three_public_only_rises_where_planted(manifest: Manifest) -> None:
    planted = {a.disclosure_key for a in manifest.anomalies if a.kind == "three_public_increase"}
    rising = {
        d.key
        for d in manifest.disclosures
        if d.year > 2021
        and d.figures["three_public_total"]
        > manifest.disclosure(d.county, d.department, d.year - 1, d.kind).figures[
            "three_public_total"
        ]
    }
    assert rising == planted
    assert {a.kind for a in manifest.anomalies} == {
        "three_public_increase",
        "stated_change_mismatch",
        "sum_mismatch",
        "peer_outlier",
        "altered_after_publication",
    }


# -- home pages and list paging --------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["yunxi", "ningchuan", "nanling", "tongxi"])
def test_home_page_links_to_the_budget_column_by_text(manifest: Manifest, slug: str) -> None:
    county = next(c for c in manifest.counties if c.slug == slug)
    status, headers, body = fetch(county.home_url)
    assert status == 200
    html = decode_html(headers, body)
    found = [
        target_of(a, county.home_url)
        for a in links_of(html)
        if a["text"].strip() == county.column_link_text
    ]
    assert found == [county.column_url]


def test_hanweb_column_holds_the_first_records_in_a_datastore_island(
    portal: SamplePortal, manifest: Manifest
) -> None:
    column = next(c for c in manifest.counties if c.slug == "yunxi").column_url or ""
    html = fetch(column)[2].decode("utf-8")
    island = re.search(r'<script type="text/xml">(.*?)</script>', html, re.S)
    assert island is not None
    assert island.group(1).count("<record>") == 10
    assert re.search(r"totalRecord:(\d+),openCookies", html).group(1) == "35"  # type: ignore[union-attr]
    assert "<a href" not in html.replace(island.group(1), "").split('class="position"')[1]


def _datastore_hrefs(xml: str) -> list[str]:
    return re.findall(r'<record><!\[CDATA\[<li><a href="([^"]+)"', xml)


def test_hanweb_dataproxy_post_pages_through_all_records(
    portal: SamplePortal, manifest: Manifest
) -> None:
    body = b"col=1&appid=1&webid=3095&path=/&columnid=1229165988&unitid=6101313&permissiontype=0"
    hrefs: list[str] = []
    for start in (1, 11, 21, 31):
        url = portal.url(
            f"/yunxi/module/web/jpage/dataproxy.jsp?startrecord={start}"
            f"&endrecord={start + 9}&perpage=10"
        )
        status, headers, xml = fetch(
            url,
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                "X-Requested-With": "XMLHttpRequest",
            },
        )
        assert status == 200 and headers["content-type"].startswith("text/xml")
        assert "<totalrecord>35</totalrecord>" in xml.decode()
        hrefs += _datastore_hrefs(xml.decode())
    assert len(hrefs) == 35
    assert {portal.url(h) for h in hrefs} == listed_urls(manifest, "yunxi")
    wrong = fetch(
        portal.url("/yunxi/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=10"),
        data=b"columnid=1&unitid=2",
    )[2]
    assert _datastore_hrefs(wrong.decode()) == []
    assert portal.requests_to("/yunxi/module/web/jpage/dataproxy.jsp")[0].method == "POST"


def test_trs_pages_are_index_then_index_1_per_create_page_html(
    portal: SamplePortal, manifest: Manifest
) -> None:
    first = portal.url("/ningchuan/zwgk/czyjs/index.html")
    html = fetch(first)[2].decode("gbk")
    total, current, stem, ext = re.search(
        r'createPageHTML\((\d+), (\d+), "(\w+)", "(\w+)"\)', html
    ).groups()  # type: ignore[union-attr]
    assert (total, current, stem, ext) == ("4", "0", "index", "html")
    found: set[str] = set()
    for page in range(int(total)):
        url = first if page == 0 else urljoin(first, f"{stem}_{page}.{ext}")
        status, _, body = fetch(url)
        assert status == 200
        found |= {
            target_of(a, url)
            for a in links_of(body.decode("gbk"))
            if "/zwgk/czyjs/2" in target_of(a, url)
        }
    assert found == listed_urls(manifest, "ningchuan")
    assert fetch(urljoin(first, "index_4.html"))[0] == 404


def test_gkmlpt_api_pages_by_page_number(portal: SamplePortal, manifest: Manifest) -> None:
    shell = fetch(portal.url("/nanling/gkmlpt/index"))[2].decode()
    sid = re.search(r"SID:\s*'(\d+)'", shell).group(1)  # type: ignore[union-attr]
    tree = json.loads(re.search(r"TREE:\s*(\[.*?\])\s*,\s*SERVICE_AREA_ID", shell).group(1))  # type: ignore[union-attr]
    column = next(c["id"] for c in tree[0]["children"] if c["name"] == "财政预决算")
    assert (sid, column) == (SID, 2781)
    api = portal.url(f"/nanling/gkmlpt/api/all/{column}?sid={sid}&page=")
    pages = [
        json.loads(fetch(api + str(n), headers={"Accept": "application/json"})[2])
        for n in (0, 1, 2, 3, 4)
    ]
    assert pages[0] == pages[1]
    assert [len(p["articles"]) for p in pages[1:]] == [15, 15, 5, 0]
    assert pages[2]["total"] == 35
    urls = {a["url"] for p in pages[1:] for a in p["articles"]}
    assert urls == listed_urls(manifest, "nanling")
    titles = {a["title"] for p in pages[1:] for a in p["articles"]}
    escaped = [t for t in titles if "%u" in t]
    assert len(escaped) == 1
    decoded = escaped[0].replace("%u", "\\u").encode().decode("unicode_escape")
    assert decoded in {d.title for d in manifest.disclosures}


def test_generic_list_follows_next_page_links(portal: SamplePortal, manifest: Manifest) -> None:
    url: str | None = manifest.nasty("next_page_links").url.replace("?page=2", "")
    found: list[str] = []
    firsts: list[str] = []
    while url:
        links = links_of(fetch(url)[2].decode("utf-8"))
        entries = [target_of(a, url) for a in links if a.get("title")]
        firsts.append(entries[0])
        found += entries
        url = next((target_of(a, url) for a in links if a["text"] == "下一页"), None)
    assert len(firsts) == 6  # 48 disclosures and 5 news items, 10 a page
    assert len(found) > len(set(found))  # the same URL on two list pages
    robots = manifest.nasty("robots_disallowed").url
    assert set(found) - {robots} == listed_urls(manifest, "tongxi")
    assert robots in found


# -- encodings, redirects, files -----------------------------------------------------------------


@pytest.mark.parametrize("case", ["gbk_undeclared", "gbk_declared_utf8"])
def test_gbk_pages_decode_as_gb18030_only(manifest: Manifest, case: str) -> None:
    url = manifest.nasty(case).url
    status, headers, body = fetch(url)
    doc = next(d for d in manifest.disclosures if d.detail_url == url)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert f"<title>{doc.title}</title>" in body.decode("gb18030")
    assert doc.page_encoding == "gbk"
    declared = "charset=UTF-8" in headers["content-type"]
    assert declared == (case == "gbk_declared_utf8")
    assert ("charset=" in body.decode("gb18030")) is False


@pytest.mark.parametrize("case, status", [("redirect_302", 302), ("redirect_301", 301)])
def test_redirects_point_at_the_detail_page(manifest: Manifest, case: str, status: int) -> None:
    listed = manifest.nasty(case).url
    doc = next(d for d in manifest.disclosures if d.listed_url == listed)
    answer, headers, _ = fetch(listed)
    assert (answer, headers["location"]) == (status, doc.detail_url)
    assert fetch(headers["location"])[0] == 200


def test_downfile_names_the_file_in_content_disposition(
    portal: SamplePortal, manifest: Manifest
) -> None:
    doc = manifest.disclosure("yunxi", "财政局", 2022, "budget")
    status, headers, _ = fetch(doc.attachments[0].url)
    assert status == 200 and headers["content-type"] == "application/octet-stream"
    name = re.search(r"filename\*=UTF-8''(\S+)", headers["content-disposition"]).group(1)  # type: ignore[union-attr]
    assert unquote(name) == doc.attachments[0].filename
    raw = fetch(manifest.nasty("content_disposition_gbk").url)[1]["content-disposition"]
    gbk_name = raw.split('filename="')[1].rstrip('"').encode("latin-1").decode("gbk")
    assert gbk_name.endswith("部门预算公开.zip") or gbk_name.endswith("决算公开.zip")


def test_same_file_under_two_urls_has_the_same_bytes(manifest: Manifest) -> None:
    preview = manifest.nasty("same_bytes_two_urls").url
    attachment = next(a for a in manifest.attachments() if a.url == preview)
    assert attachment.same_bytes_as is not None
    assert fetch(preview)[2] == fetch(attachment.same_bytes_as)[2]


def test_dead_attachment_is_404_and_robots_disallows_the_internal_draft(
    portal: SamplePortal, manifest: Manifest
) -> None:
    assert fetch(manifest.nasty("attachment_404").url)[0] == 404
    status, headers, body = fetch(portal.robots_url)
    assert status == 200 and headers["content-type"].startswith("text/plain")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert not robots.can_fetch("budgetwatch", manifest.nasty("robots_disallowed").url)
    assert all(robots.can_fetch("budgetwatch", d.listed_url) for d in manifest.disclosures)


@pytest.mark.parametrize(
    "slug, status, marker", [("baishi", 521, "document.cookie="), ("shiling", 412, "$_ts")]
)
def test_anti_bot_counties_answer_challenges(
    manifest: Manifest, slug: str, status: int, marker: str
) -> None:
    county = next(c for c in manifest.counties if c.slug == slug)
    answer, headers, body = fetch(county.home_url)
    assert (answer, county.blocked is not None) == (status, True)
    assert marker in body.decode() and len(body) < 2000
    assert "set-cookie" in headers


def test_oversized_attachment_follows_the_configured_size() -> None:
    with SamplePortal(big_file_mb=1.5) as small:
        case = small.manifest().nasty("oversized_attachment")
        status, headers, body = fetch(case.url, method="HEAD")
        assert status == 200 and body == b""
        assert 1.5 * 2**20 <= int(headers["content-length"]) < 1.6 * 2**20
        full = fetch(case.url)[2]
    assert len(full) == int(headers["content-length"])
    import pypdfium2

    assert len(pypdfium2.PdfDocument(full)) >= 1  # still a valid PDF, only big


# -- HTTP behaviour --------------------------------------------------------------------------------


def test_conditional_requests_get_304(portal: SamplePortal, manifest: Manifest) -> None:
    url = manifest.disclosure("nanling", "审计局", 2022, "final").attachments[0].url
    status, headers, body = fetch(url)
    assert status == 200 and int(headers["content-length"]) == len(body)
    etag, modified = headers["etag"], headers["last-modified"]
    assert fetch(url, headers={"If-None-Match": etag})[:3:2] == (304, b"")
    assert fetch(url, headers={"If-Modified-Since": modified})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"stale"'})[0] == 200
    logged = [r for r in portal.requests_to(url) if r.header("if-none-match") == etag]
    assert [(r.status, r.bytes_sent) for r in logged] == [(304, 0)]


def test_text_is_gzipped_on_request_with_its_own_etag(portal: SamplePortal) -> None:
    url = portal.url("/tongxi/zfxxgk/czxx/list.html")
    plain = fetch(url)
    zipped = fetch(url, headers={"Accept-Encoding": "gzip"})
    assert zipped[1]["content-encoding"] == "gzip"
    assert gzip.decompress(zipped[2]) == plain[2]
    assert zipped[1]["etag"] != plain[1]["etag"]
    assert (
        fetch(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped[1]["etag"]})[0]
        == 304
    )


def test_page_fails_once_then_works() -> None:
    with SamplePortal() as fresh:
        url = fresh.manifest().nasty("fails_once_500").url
        assert [fetch(url)[0], fetch(url)[0]] == [500, 200]
        fresh.reset_faults()
        assert fetch(url)[0] == 500
        log = fresh.wait_for(lambda records: len(records) >= 3)
        assert [r.status for r in log] == [500, 200, 500]
        fresh.reset_log()
        assert fresh.requests == []


def _attachment_states(manifest: Manifest) -> dict[str, tuple[str, str, str]]:
    states = {}
    for attachment in manifest.attachments():
        if attachment.status == 200 and not attachment.oversized:
            _, headers, body = fetch(attachment.url)
            states[attachment.url] = (
                hashlib.sha256(body).hexdigest(),
                headers["etag"],
                headers["last-modified"],
            )
    return states


def test_bump_version_changes_exactly_one_attachment() -> None:
    with SamplePortal() as fresh:
        before_manifest = fresh.manifest()
        before = _attachment_states(before_manifest)
        assert fresh.bump_version() == 1
        after_manifest = fresh.manifest()
        after = _attachment_states(after_manifest)
    changed = [url for url in before if before[url] != after[url]]
    versioned = [a.url for a in before_manifest.attachments() if a.versioned]
    assert changed == versioned and len(changed) == 1
    old, new = before[changed[0]], after[changed[0]]
    assert old[0] != new[0] and old[1] != new[1]
    assert parsedate_to_datetime(new[2]) > parsedate_to_datetime(old[2])
    anomaly = next(a for a in after_manifest.anomalies if a.kind == "altered_after_publication")
    doc_before = before_manifest.by_key(anomaly.disclosure_key)
    doc_after = after_manifest.by_key(anomaly.disclosure_key)
    assert doc_after.figures["three_public_reception"] - doc_before.figures[
        "three_public_reception"
    ] == Decimal(30000)


# -- the files parse as their formats and carry the expected figures ---------------------------------


def _wan(value: Decimal) -> str:
    return f"{value / 10000:.2f}"


def _doc_with(manifest: Manifest, fmt: str, kind: str = "budget") -> tuple[str, Decimal, bytes]:
    doc = next(
        d
        for d in manifest.disclosures
        if d.kind == kind and d.attachments[0].fmt == fmt and d.county != "nanling"
    )
    return doc.title, doc.figures["three_public_total"], fetch(doc.attachments[0].url)[2]


def test_pdf_has_extractable_chinese_text_with_the_figures(manifest: Manifest) -> None:
    import pypdfium2

    title, three_public, body = _doc_with(manifest, "pdf")
    pdf = pypdfium2.PdfDocument(body)
    text = "".join(page.get_textpage().get_text_range() for page in pdf).replace("\r\n", "")
    assert title in text
    assert f"“三公”经费预算安排{_wan(three_public)}万元" in text


def test_xlsx_and_xls_hold_numeric_tables(manifest: Manifest) -> None:
    import openpyxl
    import xlrd

    title, three_public, body = _doc_with(manifest, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    book.close()
    assert ("单位：万元",) in [tuple(r[:1]) for r in rows]
    assert any(r[0] == "合计" and Decimal(str(r[1])) * 10000 == three_public for r in rows)
    title, three_public, body = _doc_with(manifest, "xls", kind="final")
    xls = xlrd.open_workbook(file_contents=body)
    cells = [
        xls.sheet_by_index(i).row_values(r)
        for i in range(xls.nsheets)
        for r in range(xls.sheet_by_index(i).nrows)
    ]
    assert any(c[0] == "单位：元" for c in cells)
    assert any(c[0] == "合计" and Decimal(str(c[2])) == three_public for c in cells)


def test_docx_and_zip_open_with_their_contents(manifest: Manifest) -> None:
    import docx

    title, three_public, body = _doc_with(manifest, "docx")
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert title in text and _wan(three_public) in text
    assert len(document.tables) == 2
    title, _, body = _doc_with(manifest, "zip")
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert names == [f"{title}.pdf", f"{title}报表.xlsx"]


def test_generated_files_are_the_same_bytes_in_a_new_process(manifest: Manifest) -> None:
    keys = [d.key for d in manifest.disclosures[:5]]  # one of each format
    assert {manifest.by_key(k).attachments[0].fmt for k in keys} == {
        "pdf",
        "docx",
        "xlsx",
        "xls",
        "zip",
    }
    script = (
        "import hashlib,sys\nfrom crawler.sample_portal.catalog import doc\n"
        "from crawler.sample_portal.attachments import attachment_bytes\n"
        "for key in sys.argv[1:]:\n"
        "    print(hashlib.sha256(attachment_bytes(key, doc(key).fmt)).hexdigest())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, *keys],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    here = [
        hashlib.sha256(fetch(manifest.by_key(k).attachments[0].url)[2]).hexdigest() for k in keys
    ]
    assert out == here


def test_startup_is_fast() -> None:
    script = (
        "import time\nfrom crawler.sample_portal import SamplePortal\nt = time.perf_counter()\n"
        "p = SamplePortal(); p.manifest(); print(time.perf_counter() - t); p.stop()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert float(out) < 2.0
