"""The public description of the sample portal: what it serves and what a crawl should find.

Tests and the spider read these frozen dataclasses (through ``SamplePortal.manifest()``) to know the
expected documents, figures, nasty cases and planted anomalies, instead of hard-coding URLs.
Money is in yuan as ``Decimal``; counts are ``int``. Metric ids follow ``/work/shared/metrics.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Cms = Literal["hanweb", "trs", "gkmlpt", "generic"]
Kind = Literal["budget", "final"]
Format = Literal["pdf", "docx", "xlsx", "xls", "zip"]


@dataclass(frozen=True)
class County:
    """One county site mounted under ``/<slug>/`` of the portal."""

    name: str  # 云溪县
    slug: str  # yunxi
    cms: Cms | None  # None for a county that only answers anti-bot challenges
    home_url: str
    column_url: str | None  # the 预决算 column the home page links to (None when blocked)
    column_link_text: str | None  # the anchor text of that link on the home page
    blocked: str | None = None  # "jsl" (521) or "ruishu" (412) when every page is a challenge


@dataclass(frozen=True)
class Attachment:
    """One file linked from a disclosure or news page."""

    url: str  # absolute URL as linked (after urljoin against the page that links it)
    filename: str  # the display name (link text / title / Content-Disposition)
    fmt: Format
    status: int = 200  # 404 for a dead link
    same_bytes_as: str | None = None  # another URL serving exactly the same bytes
    oversized: bool = False  # bigger than the portal's big_file_mb; a capped crawler skips it
    broken: bool = False  # served whole but unreadable (a PDF cut off mid-file): extraction fails
    versioned: bool = False  # its bytes change after SamplePortal.bump_version()


@dataclass(frozen=True)
class Disclosure:
    """One 部门预算/部门决算 disclosure and the figures a perfect extractor would store."""

    key: str  # stable id, e.g. "yunxi/财政局/2022/budget"
    county: str  # slug
    region: str  # 云溪县
    department: str  # 云溪县财政局
    year: int
    kind: Kind
    title: str
    published: date
    listed_url: str  # the URL the list page links to (may redirect, or be the file itself)
    detail_url: (
        str | None
    )  # final detail-page URL after redirects; None when the list links the file
    attachments: tuple[Attachment, ...]
    figures: Mapping[str, Decimal]  # metric id -> yuan (stated values, even when planted wrong)
    counts: Mapping[str, int]  # staff_count, vehicles_count
    page_encoding: str  # "utf-8" or "gbk" (the bytes of the detail page)


@dataclass(frozen=True)
class NewsItem:
    """A list entry that mentions 预算 but is not a departmental disclosure."""

    county: str
    title: str
    url: str
    published: date
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class NastyCase:
    """A deliberately awkward resource and what a correct crawler does with it."""

    name: str  # e.g. "redirect_301", "fails_once_500", "robots_disallowed"
    url: str
    expect: str  # plain-language expectation, e.g. "must not be fetched"
    county: str | None = None


@dataclass(frozen=True)
class Anomaly:
    """A planted irregularity the monitor should report."""

    kind: Literal[
        "three_public_increase",
        "stated_change_mismatch",
        "sum_mismatch",
        "peer_outlier",
        "altered_after_publication",
    ]
    disclosure_key: str
    metric: str
    detail: str  # 中文/English explanation with the numbers
    values: Mapping[str, Decimal]  # the numbers behind the detail, in yuan
    # Set on a genuine consequence of another planted anomaly ("<kind> <key>" of that one):
    # e.g. the altered file now states a 三公 rise, which the monitor rightly reports too.
    consequence_of: str | None = None

    @property
    def rule(self) -> str:
        """The monitor rule that reports it (a changed file is ``document_changed``)."""
        return "document_changed" if self.kind == "altered_after_publication" else self.kind


@dataclass(frozen=True)
class Manifest:
    """Everything the portal serves that a test may want to check against."""

    base_url: str
    version: int
    counties: tuple[County, ...]
    disclosures: tuple[Disclosure, ...]
    news: tuple[NewsItem, ...]
    nasty_cases: tuple[NastyCase, ...]
    anomalies: tuple[Anomaly, ...]

    def disclosure(self, county: str, department: str, year: int, kind: Kind) -> Disclosure:
        """Return the disclosure for a county slug, department (short or full name), year and kind."""
        for doc in self.disclosures:
            if (
                doc.county == county
                and doc.year == year
                and doc.kind == kind
                and doc.department.endswith(department)
            ):
                return doc
        raise KeyError(f"no disclosure {county}/{department}/{year}/{kind}")

    def by_key(self, key: str) -> Disclosure:
        """Return the disclosure with this key."""
        for doc in self.disclosures:
            if doc.key == key:
                return doc
        raise KeyError(key)

    def nasty(self, name: str) -> NastyCase:
        """Return the nasty case with this name."""
        for case in self.nasty_cases:
            if case.name == name:
                return case
        raise KeyError(name)

    def attachments(self) -> tuple[Attachment, ...]:
        """Every attachment of every disclosure and news item."""
        found = [a for d in self.disclosures for a in d.attachments]
        return tuple(found + [a for n in self.news for a in n.attachments])


@dataclass(frozen=True)
class RequestRecord:
    """One request the portal answered, logged before the response is written."""

    method: str
    path: str  # without the query string
    query: str  # raw query string ("" when none)
    status: int
    bytes_sent: int  # length of the body sent (after gzip), 0 for HEAD/304
    headers: tuple[tuple[str, str], ...]  # request headers of interest, lower-case names

    @property
    def target(self) -> str:
        """Path plus query, as the client asked for it."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def header(self, name: str) -> str | None:
        """Return a logged request header (If-None-Match, User-Agent, Referer, ...) or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)
