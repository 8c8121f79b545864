"""Crawl the sample portal, run the monitor, and find exactly the anomalies the portal plants.

One crawl of every county, ``bump_version()`` and an incremental re-crawl (the altered
attachment), then one full monitor pass: the alerts must be the manifest's planted anomalies,
each by the rule meant to find it, and nothing on the clean departments.  The stored figures
are checked against the manifest first, so that a wrong alert can be told apart from a misread
document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

import monitor
from budgetwatch.config import Settings
from crawler.sample_portal.model import Manifest
from crawler.sample_portal.portal import SamplePortal
from storage.db import session_factory
from storage.models import DisclosureRow, Document, DocumentVersion, FigureRow
from tests.crawler.test_crawl import crawl_once, test_settings

# After the 2023 决算 deadline (30 September 2024): every disclosure the portal has is due.
NOW = datetime(2024, 10, 8, 9, 0, tzinfo=UTC)

AlertKey = tuple[str, str | None, int | None, str | None]  # rule, department, year, kind


@dataclass(frozen=True)
class Watched:
    """The portal after a crawl, a bump and a re-crawl, and the database the crawls filled."""

    manifest: Manifest
    settings: Settings


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watched]:
    settings = test_settings(tmp_path_factory.mktemp("portal-alerts"))
    with SamplePortal() as portal:
        crawl_once(portal, settings)
        portal.bump_version()
        crawl_once(portal, settings)
        yield Watched(portal.manifest(), settings)


@pytest.fixture(scope="module")
def alerts(watched: Watched) -> list[monitor.AlertView]:
    factory = session_factory(watched.settings.database_url)
    with factory.begin() as session:
        report = monitor.evaluate(session, now=NOW, settings=watched.settings.monitor, full=True)
    factory.kw["bind"].dispose()
    return report.new


@dataclass(frozen=True)
class Stored:
    """What the database holds for one fetched document: who, the format, the chosen figures."""

    who: str  # region/department/year/kind as extracted
    format: str
    figures: dict[str, Decimal]


def stored_documents(watched: Watched) -> dict[str, Stored]:
    """The current version of every document that yielded a disclosure, by source URL."""
    factory = session_factory(watched.settings.database_url)
    query = (
        select(Document.source, DisclosureRow, FigureRow.metric, FigureRow.value)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .join(DisclosureRow, DisclosureRow.document_version_id == DocumentVersion.id)
        .join(FigureRow, FigureRow.disclosure_id == DisclosureRow.id)
        .where(DocumentVersion.sha256 == Document.sha256, FigureRow.chosen.is_(True))
    )
    found: dict[str, Stored] = {}
    with factory() as session:
        for source, row, metric, value in session.execute(query):
            who = f"{row.region}/{row.department}/{row.year}/{row.kind}"
            item = found.setdefault(source, Stored(who, row.format, {}))
            assert item.who == who, source  # one disclosure per document
            item.figures[metric] = value
    factory.kw["bind"].dispose()
    return found


def test_every_stored_figure_is_the_figure_the_document_states(watched: Watched) -> None:
    stored = stored_documents(watched)
    formats, wrong = set(), []
    for disclosure in watched.manifest.disclosures:
        who = f"{disclosure.region}/{disclosure.department}/{disclosure.year}/{disclosure.kind}"
        expected = {**disclosure.figures, **{k: Decimal(v) for k, v in disclosure.counts.items()}}
        sources = [disclosure.detail_url, *(a.url for a in disclosure.attachments)]
        read = [s for s in sources if s in stored]
        assert read, f"{disclosure.key} was not stored"
        for source in read:
            item = stored[source]
            assert item.who == who, source  # region, department, year and kind
            formats.add(item.format)
            wrong += [
                f"{disclosure.key} {item.format} {metric}: {item.figures.get(metric)} "
                f"instead of {expected.get(metric)}"
                for metric in sorted(expected.keys() | item.figures.keys())
                if item.figures.get(metric) != expected.get(metric)
            ]
    assert not wrong, "\n".join(wrong)
    # The detail pages and attachments of every format were read.
    assert formats == {"html", "pdf", "docx", "xlsx", "xls", "zip"}


def expected_alerts(manifest: Manifest) -> set[AlertKey]:
    """The planted anomalies and their documented consequences, as alert keys."""
    found = set()
    for anomaly in manifest.anomalies:
        doc = manifest.by_key(anomaly.disclosure_key)
        found.add((anomaly.rule, doc.department, doc.year, doc.kind))
    return found


def test_the_alerts_are_exactly_the_planted_anomalies(
    watched: Watched, alerts: list[monitor.AlertView]
) -> None:
    raised = {(a.rule, a.department, a.year, a.kind) for a in alerts}
    expected = expected_alerts(watched.manifest)
    assert raised - expected == set(), "false alarms"
    assert expected - raised == set(), "planted anomalies missed"


def test_clean_departments_raise_nothing(watched: Watched, alerts: list[monitor.AlertView]) -> None:
    planted = {
        watched.manifest.by_key(a.disclosure_key).department for a in watched.manifest.anomalies
    }
    clean = {d.department for d in watched.manifest.disclosures} - planted
    assert len(clean) >= len(planted)
    assert not [a for a in alerts if a.department in clean]
