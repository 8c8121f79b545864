"""The document pipeline: store bytes by content, record documents and versions, extract changes."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.orm import Session, sessionmaker

from crawler.content_store import MIME_TYPES, ContentStore, sniff_suffix
from crawler.items import DocumentItem, Outcome
from crawler.state import (
    previous_state,
    record_extraction_error,
    record_fetch_failure,
    record_unchanged,
)
from storage import repository
from storage.db import session_factory
from storage.models import DocumentStatus

logger = logging.getLogger(__name__)

FAILURE_STATUS = {
    Outcome.FAILED: DocumentStatus.FAILED,
    Outcome.GONE: DocumentStatus.GONE,
    Outcome.BLOCKED: DocumentStatus.BLOCKED,
}
EXTRACTABLE = ("pdf", "doc", "docx", "xls", "xlsx", "zip", "wps", "et", "html")


@dataclass(frozen=True)
class Recorded:
    """What recording one item did: new, changed, unchanged or failed; and what to extract."""

    result: str
    extract_path: Path | None = None


@dataclass(frozen=True)
class ExtractLimits:
    """Limits of the extraction worker process, from the ``extract`` config section."""

    timeout_seconds: float
    memory_mb: int
    workers: int


class DocumentPipeline:
    """Writes each document item to the content store and the database, then extracts it."""

    def __init__(
        self,
        crawler: Crawler,
        factory: sessionmaker[Session],
        store: ContentStore,
        limits: ExtractLimits,
    ) -> None:
        self.crawler, self.factory, self.store, self.limits = crawler, factory, store, limits
        # SQLite has one writer; recording is short, so items take turns.
        self.lock = threading.Lock()
        self.extracting = asyncio.Semaphore(limits.workers)
        self.workers = ExtractionWorkers(limits)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        url = settings.get("BUDGETWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("BUDGETWATCH_DATABASE_URL is not set")
        limits = ExtractLimits(
            settings.getfloat("BUDGETWATCH_EXTRACT_TIMEOUT", 120.0),
            settings.getint("BUDGETWATCH_EXTRACT_MEMORY_MB", 1536),
            settings.getint("BUDGETWATCH_EXTRACT_WORKERS", 1),
        )
        store = ContentStore(Path(settings.get("BUDGETWATCH_STORE_DIR", "data/files")).resolve())
        return cls(crawler, session_factory(url), store, limits)

    def close_spider(self) -> None:
        self.workers.close()
        self.factory.kw["bind"].dispose()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        recorded = await asyncio.to_thread(self.record, item)
        self.count(recorded.result)
        if recorded.extract_path is not None:
            async with self.extracting:
                await asyncio.to_thread(self.extract, item.url, recorded.extract_path)
        item.body = None  # the bytes are on disk now; don't keep them in memory
        return item

    def count(self, result: str) -> None:
        """Progress counters: budgetwatch/documents/{new,changed,unchanged,failed}."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"budgetwatch/documents/{result}")

    def record(self, item: DocumentItem) -> Recorded:
        """Write one item in its own transaction (a killed crawl leaves whole documents only)."""
        now = datetime.now(UTC)
        with self.lock, self.factory.begin() as session:
            if item.outcome is Outcome.FETCHED:
                return self.record_fetched(session, item, now)
            if item.outcome is Outcome.NOT_MODIFIED:
                if not record_unchanged(session, item.url, now):
                    return Recorded("failed")
                return Recorded("unchanged", self.pending_extraction(session, item.url))
            record_fetch_failure(
                session, item.url, item.error or item.outcome.value, FAILURE_STATUS[item.outcome], now,
                title=item.title, referrer=item.referrer,
            )  # fmt: skip
            return Recorded("failed")

    def record_fetched(self, session: Session, item: DocumentItem, now: datetime) -> Recorded:
        """Store the bytes and record the version; new or changed bytes are extracted."""
        assert item.body is not None
        before, _status = previous_state(session, item.url)
        suffix = sniff_suffix(item.body, item.suffix_hint, item.content_type)
        sha256, path = self.store.put(item.body, suffix)
        mime = (item.content_type or "").split(";")[0].strip().lower()
        if not mime or mime == "application/octet-stream":
            mime = MIME_TYPES.get(suffix, mime or "application/octet-stream")
        repository.record_document(
            session, item.url, sha256, len(item.body), mime, now,
            title=item.title, referrer=item.referrer, published_date=item.published,
            etag=item.etag, last_modified=item.last_modified, store_path=str(path),
        )  # fmt: skip
        result = "new" if before is None else "changed" if before != sha256 else "unchanged"
        return Recorded(result, self.pending_extraction(session, item.url))

    def pending_extraction(self, session: Session, source: str) -> Path | None:
        """The stored file of a current version not yet extracted (also after an interrupted crawl)."""
        document = repository.get_document(session, source)
        version = document.current_version if document else None
        if document is None or version is None or version.disclosure is not None:
            return None
        if document.error or not version.store_path:
            return None  # extraction already failed on these bytes
        path = Path(version.store_path)
        return path if path.suffix.lstrip(".") in EXTRACTABLE else None

    def extract(self, source: str, path: Path) -> None:
        """Extract in a worker process (a hostile file fails alone), then store the disclosure."""
        disclosure, error = self.workers.extract(path, source)
        with self.lock, self.factory.begin() as session:
            document = repository.get_document(session, source)
            version = document.current_version if document else None
            if version is None:
                return
            if disclosure is None:
                record_extraction_error(session, source, error or "unknown error")
                return
            repository.store_disclosure(session, version, disclosure)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("budgetwatch/disclosures")


class ExtractionWorkers:
    """Long-lived extraction worker processes shared by the crawl (start-up is paid once each)."""

    def __init__(self, limits: ExtractLimits) -> None:
        from extract.sandbox import IsolatedPool

        self.limits = limits
        self.idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.pools = [
            IsolatedPool(1, limits.timeout_seconds, limits.memory_mb) for _ in range(limits.workers)
        ]
        for pool in self.pools:
            self.idle.put(pool)

    def extract(self, path: Path, source: str) -> tuple[Any, str | None]:
        """The Disclosure of one file, or None and the error; blocks until a worker is free."""
        from extract.sandbox import extract_one

        pool = self.idle.get()
        try:
            outcome = next(pool.map(extract_one, [(path, source)]))
        finally:
            self.idle.put(pool)
        error = outcome.error
        if error is not None and outcome.failure != "input":
            error = f"{source}: {error}"  # input errors already name the file
        return outcome.value, error

    def close(self) -> None:
        """Stop the worker processes."""
        for pool in self.pools:
            pool.close()
