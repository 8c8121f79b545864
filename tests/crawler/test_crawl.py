"""Crawl the sample portal with the real Scrapy engine, in a child process as the CLI does.

The expected documents come from the portal's manifest; incremental behaviour
is checked against the portal's own request log.  The three crawls share one
portal and one database (module fixtures): first crawl, unchanged re-crawl,
re-crawl after ``bump_version()``.
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from budgetwatch import crawling
from budgetwatch.config import Settings, load_config
from crawler.run import CrawlSummary
from crawler.sample_portal.model import Disclosure, Manifest, RequestRecord
from crawler.sample_portal.portal import SamplePortal
from storage import repository
from storage.db import session_factory
from storage.models import Document

SIZE_CAP = 2 * 1024 * 1024  # below the portal's 3 MB file, above everything else
# Fast and still polite in shape: Scrapy's own settings, set through our config.
FAST = {"autothrottle": False, "download_delay": 0, "download_max_size": SIZE_CAP, "retry_times": 2}


@dataclass(frozen=True)
class Crawl:
    """One finished crawl: its summary, the documents it left, and what the portal saw."""

    summary: CrawlSummary
    documents: dict[str, Document]
    log: list[RequestRecord]


def test_settings(tmp: Path) -> Settings:
    """budgetwatch configuration for a crawl into ``tmp``."""
    overrides = {"database_url": f"sqlite:///{tmp / 'bw.db'}", "store_dir": str(tmp / "files")}
    return load_config(None, env={}, overrides={**overrides, "crawl": FAST})


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def crawl_once(portal: SamplePortal, settings: Settings) -> Crawl:
    """Crawl every county home page of the portal; return the result and the request log."""
    portal.reset_log()
    job = crawling.crawl_job(settings, list(portal.county_urls.values()))
    summary = crawling.crawl(job)
    with session_factory(settings.database_url)() as session:
        documents = {d.source: d for d in repository.list_documents(session)}
        for document in documents.values():
            _ = document.versions  # loaded while the session is open
    return Crawl(summary, documents, portal.requests)


@pytest.fixture(scope="module")
def portal() -> Iterator[SamplePortal]:
    with SamplePortal() as served:
        yield served


@pytest.fixture(scope="module")
def manifest(portal: SamplePortal) -> Manifest:
    return portal.manifest()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return test_settings(tmp_path_factory.mktemp("crawl"))


@pytest.fixture(scope="module")
def first(portal: SamplePortal, settings: Settings) -> Crawl:
    return crawl_once(portal, settings)


@pytest.fixture(scope="module")
def second(first: Crawl, portal: SamplePortal, settings: Settings) -> Crawl:
    return crawl_once(portal, settings)


@pytest.fixture(scope="module")
def bumped(second: Crawl, portal: SamplePortal, settings: Settings) -> Crawl:
    portal.bump_version()
    return crawl_once(portal, settings)


def states_its_figures(disclosure: Disclosure) -> bool:
    """Whether the detail page itself prints the disclosure (its 支出总计 in 万元), read directly."""
    assert disclosure.detail_url
    with urllib.request.urlopen(disclosure.detail_url, timeout=10) as answer:
        body = answer.read()
    text = body.decode("utf-8" if disclosure.page_encoding == "utf-8" else "gb18030")
    return f"{disclosure.figures['expenditure_total'] / 10000:.2f}" in text


@pytest.fixture(scope="module")
def expected(first: Crawl, manifest: Manifest) -> set[str]:
    """Every attachment that can be fetched, and the detail pages that print the report.

    A page that only says "详见附件" is not a document; its attachment is.  Read
    after the first crawl, so the fail-once page has already failed for the crawler.
    """
    found = set()
    for disclosure in manifest.disclosures:
        if disclosure.detail_url and states_its_figures(disclosure):
            found.add(disclosure.detail_url)
        found |= {a.url for a in disclosure.attachments if a.status == 200 and not a.oversized}
    return found


def requested(log: list[RequestRecord], url: str, base: str) -> list[RequestRecord]:
    """Logged requests for exactly ``url`` (path and query)."""
    target = url.removeprefix(base)
    return [record for record in log if record.target == target]


# -- the first crawl ----------------------------------------------------------------------------


def test_first_crawl_finds_exactly_the_disclosure_documents(
    first: Crawl, expected: set[str]
) -> None:
    fetched = {url for url, d in first.documents.items() if d.status == "ok"}
    assert fetched == expected
    assert first.summary.finished
    assert first.summary.progress.new == len(fetched)
    assert first.summary.progress.failed == len(first.documents) - len(fetched)


def test_news_that_mentions_budgets_is_not_fetched(first: Crawl, manifest: Manifest) -> None:
    news = {n.url for n in manifest.news} | {a.url for n in manifest.news for a in n.attachments}
    asked = {manifest.base_url + record.target for record in first.log}
    assert len(news) >= 20
    assert not news & asked


def test_every_document_row_records_its_origin(first: Crawl, manifest: Manifest) -> None:
    by_url = {a.url: d for d in manifest.disclosures for a in d.attachments}
    for url, disclosure in by_url.items():
        document = first.documents.get(url)
        if document is None or document.status != "ok":
            continue
        assert document.title and str(disclosure.year) in document.title
        assert document.referrer and document.referrer.startswith(manifest.base_url)
        assert document.sha256 and document.size and document.content_type
        assert document.first_seen == document.last_seen
        [version] = document.versions
        assert Path(version.store_path or "").is_file()
        assert version.etag


def test_list_dates_are_recorded_as_published(
    first: Crawl, manifest: Manifest, expected: set[str]
) -> None:
    pages = [d for d in manifest.disclosures if d.detail_url in expected]
    assert pages
    for disclosure in pages:
        assert first.documents[disclosure.detail_url or ""].published_date == disclosure.published


def test_redirects_are_stored_under_the_final_url(first: Crawl, manifest: Manifest) -> None:
    for name in ("redirect_301", "redirect_302"):
        case = manifest.nasty(name)
        disclosure = next(d for d in manifest.disclosures if d.listed_url == case.url)
        assert case.url not in first.documents
        assert first.documents[disclosure.detail_url or ""].status == "ok"


def test_same_bytes_at_two_urls_are_stored_once(
    first: Crawl, manifest: Manifest, settings: Settings
) -> None:
    copy = next(a for d in manifest.disclosures for a in d.attachments if a.same_bytes_as)
    one, other = first.documents[copy.url], first.documents[copy.same_bytes_as or ""]
    assert one.sha256 == other.sha256
    stored = list(Path(settings.store_dir).rglob(f"{one.sha256}.*"))
    assert len(stored) == 1
    assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == one.sha256


def test_dead_oversized_and_robots_documents_end_as_the_rules_say(
    first: Crawl, manifest: Manifest
) -> None:
    dead = first.documents[manifest.nasty("attachment_404").url]
    assert (dead.status, dead.error) == ("gone", "HTTP 404")
    big = first.documents[manifest.nasty("oversized_attachment").url]
    assert big.status == "failed" and "size cap" in (big.error or "")
    assert not big.versions
    robots = manifest.nasty("robots_disallowed")
    assert not requested(first.log, robots.url, manifest.base_url)
    assert first.documents[robots.url].status == "blocked"


def test_an_unreadable_attachment_fails_alone_and_says_where(
    first: Crawl, manifest: Manifest, settings: Settings
) -> None:
    case = manifest.nasty("broken_attachment")
    broken = first.documents[case.url]
    # Fetched and stored (the bytes may be evidence), but nothing could be read from them.
    assert broken.status == "ok" and len(broken.versions) == 1
    assert (broken.error or "").startswith(f"extraction failed: {case.url}: cannot open PDF")
    rows = crawling.disclosure_rows(session_factory(settings.database_url))
    sources = {row["source_url"] for row in rows}
    assert case.url not in sources
    # The disclosure's readable file beside it is extracted all the same.
    [owner] = [d for d in manifest.disclosures if any(a.url == case.url for a in d.attachments)]
    assert owner.attachments[0].url in sources


def test_an_unreadable_attachment_is_tried_again_next_crawl(first: Crawl, second: Crawl) -> None:
    url = next(u for u, d in first.documents.items() if (d.error or "").startswith("extraction"))
    # The revalidation (304) clears the error, so it is there again only if extraction
    # was retried and failed again; the bytes are not fetched again.
    assert second.documents[url].error == first.documents[url].error
    assert len(second.documents[url].versions) == 1


def test_anti_bot_counties_are_paused_not_hammered(first: Crawl, manifest: Manifest) -> None:
    blocked = [c for c in manifest.counties if c.blocked]
    assert len(blocked) == 2
    for county in blocked:
        asked = [r for r in first.log if r.path.startswith(f"/{county.slug}/")]
        assert len(asked) == 1  # the first challenge pauses the county
        assert county.home_url in first.summary.blocked_sites
        assert first.documents[county.home_url].status == "blocked"


def test_a_page_failing_once_is_retried(first: Crawl, manifest: Manifest) -> None:
    case = manifest.nasty("fails_once_500")
    assert [r.status for r in requested(first.log, case.url, manifest.base_url)] == [500, 200]
    disclosure = next(d for d in manifest.disclosures if d.detail_url == case.url)
    assert all(first.documents[a.url].status == "ok" for a in disclosure.attachments)


def test_cms_pagination_is_followed(first: Crawl, manifest: Manifest) -> None:
    posts = [r for r in first.log if r.method == "POST" and r.path.endswith("/dataproxy.jsp")]
    assert posts and all(r.status == 200 for r in posts)
    assert posts[0].header("x-requested-with") == "XMLHttpRequest"
    trs = [r.target for r in first.log if r.path.startswith("/ningchuan/zwgk/czyjs/index")]
    assert sorted(trs) == [f"/ningchuan/zwgk/czyjs/index{s}.html" for s in ("", "_1", "_2", "_3")]
    api = [r for r in first.log if "/gkmlpt/api/all/" in r.path]
    assert {r.query.split("&")[0] for r in api} >= {"page=1", "page=2", "page=3"}
    repeated = manifest.nasty("same_url_two_list_pages")
    assert (
        len({r.target for r in first.log if r.target.startswith("/tongxi/zfxxgk/czxx/list")}) >= 4
    )
    assert repeated.url.removeprefix(manifest.base_url) in {r.target for r in first.log}


def test_every_request_names_the_project(first: Crawl) -> None:
    agents = {r.header("user-agent") for r in first.log}
    assert len(agents) == 1 and "budgetwatch" in (agents.pop() or "")
    assert first.log[0].path == "/robots.txt"


def test_titles_from_gbk_pages_are_decoded(first: Crawl, manifest: Manifest) -> None:
    gbk = [d for d in manifest.disclosures if d.page_encoding == "gbk"]
    assert gbk
    for disclosure in gbk:
        for attachment in disclosure.attachments:
            document = first.documents[attachment.url]
            assert (document.title or "").startswith(disclosure.title), document.title


def test_script_written_attachment_is_found(first: Crawl, manifest: Manifest) -> None:
    case = manifest.nasty("js_written_attachment")
    disclosure = next(d for d in manifest.disclosures if d.detail_url == case.url)
    assert all(first.documents[a.url].status == "ok" for a in disclosure.attachments)


def test_every_disclosure_is_extracted_into_the_database(
    first: Crawl, manifest: Manifest, settings: Settings
) -> None:
    factory = session_factory(settings.database_url)
    rows = crawling.disclosure_rows(factory)
    unreadable = [a for d in manifest.disclosures for a in d.attachments if a.broken]
    assert len(unreadable) == 1
    assert len(rows) == first.summary.progress.disclosures == first.summary.progress.new - 1
    by_source = {row["source_url"]: row for row in rows}
    for disclosure in manifest.disclosures:
        sources = [disclosure.detail_url, *(a.url for a in disclosure.attachments)]
        found = [by_source[s] for s in sources if s in by_source]
        assert found, disclosure.key
        # The department name is the extractor's reading; the crawl must deliver region/year/kind.
        assert {(r["region"], r["year"], r["kind"]) for r in found} == {
            (disclosure.region, disclosure.year, disclosure.kind)
        }
        assert all(r["figures"] for r in found)


# -- incremental crawls -------------------------------------------------------------------------


def test_unchanged_site_is_revalidated_without_bodies(first: Crawl, second: Crawl) -> None:
    progress = second.summary.progress
    assert (progress.new, progress.changed) == (0, 0)
    assert progress.unchanged == first.summary.progress.new
    base = next(iter(second.documents)).split("/", 3)[:3]
    root = "/".join(base)
    for url, document in first.documents.items():
        if document.status != "ok":
            continue
        [record] = requested(second.log, url, root)
        assert record.header("if-none-match") == document.versions[0].etag
        assert (record.status, record.bytes_sent) == (304, 0)
    assert {u: len(d.versions) for u, d in second.documents.items()} == {
        u: len(d.versions) for u, d in first.documents.items()
    }


def test_last_seen_moves_on_a_revalidated_document(first: Crawl, second: Crawl) -> None:
    url = next(u for u, d in first.documents.items() if d.status == "ok")
    assert second.documents[url].last_seen > first.documents[url].last_seen
    assert second.documents[url].first_seen == first.documents[url].first_seen


def test_changed_bytes_become_exactly_one_new_version(
    bumped: Crawl, manifest: Manifest, settings: Settings
) -> None:
    [changed] = [a.url for d in manifest.disclosures for a in d.attachments if a.versioned]
    assert (bumped.summary.progress.changed, bumped.summary.progress.new) == (1, 0)
    versions = {u: len(d.versions) for u, d in bumped.documents.items() if d.versions}
    assert versions.pop(changed) == 2
    assert set(versions.values()) == {1}
    document = bumped.documents[changed]
    old, new = document.versions
    assert document.sha256 == new.sha256 != old.sha256
    assert Path(old.store_path or "").is_file() and Path(new.store_path or "").is_file()
    with session_factory(settings.database_url)() as session:
        current = repository.disclosures_for(session, current_only=True)
        every = repository.disclosures_for(session, current_only=False)
    assert len(every) == len(current) + 1  # the old version's disclosure is kept
