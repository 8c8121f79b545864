"""The document pipeline: store bytes by content, record documents and versions, extract changes."""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.orm import Session, sessionmaker

from crawler.content_store import MIME_TYPES, ContentStore, sniff_suffix
from crawler.items import DocumentItem, Outcome
from crawler.state import current_versions, record_extraction_error
from storage import repository
from storage.db import is_transient, retry_transient, session_factory
from storage.fetch_log import Fetch, FetchRecord, record_fetches
from storage.models import DocumentStatus

logger = logging.getLogger(__name__)

FAILURE_STATUS = {
    Outcome.FAILED: DocumentStatus.FAILED,
    Outcome.GONE: DocumentStatus.GONE,
    Outcome.BLOCKED: DocumentStatus.BLOCKED,
}
RECORD_BATCH = 200  # items per transaction, at most
# Files handed to the worker pool at once, per worker, at most: whatever has queued up, so a
# worker that falls behind catches up in bigger batches (one transaction each).
EXTRACT_BATCH_PER_WORKER = 32
T = TypeVar("T")
R = TypeVar("R")
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
    """Writes each document item to the content store and the database, then extracts it.

    Recording is batched: items that arrive while a batch is being written wait for the
    next one, which commits them together (one SQLite commit per batch, not per item).
    Extraction runs in the background in worker processes, fed by a thread of its own,
    so the crawl does not wait for it; closing the spider waits until every recorded
    document is extracted.
    """

    def __init__(
        self,
        crawler: Crawler,
        factory: sessionmaker[Session],
        store: ContentStore,
        limits: ExtractLimits,
    ) -> None:
        self.crawler, self.factory, self.store, self.limits = crawler, factory, store, limits
        # SQLite has one writer: the recording batches and the extraction results take turns.
        self.lock = threading.Lock()
        self.recorder = Batcher(self.record_batch, RECORD_BATCH)
        # The workers store what they extract, through their own connections.
        self.workers = ExtractionWorkers(limits, factory.kw["bind"].url.render_as_string(False))
        self.extractor = Feeder(
            self.extract_batch, limits.workers * EXTRACT_BATCH_PER_WORKER, self.workers.warm
        )

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

    async def close_spider(self) -> None:
        """Finish recording and extracting what the crawl found, then stop the workers."""
        try:
            await self.recorder.drain()
            await asyncio.to_thread(self.extractor.drain)
        finally:
            self.workers.close()
            self.factory.kw["bind"].dispose()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem):
            return item
        try:
            recorded: Recorded = await self.recorder.submit(item)
        except Exception:
            # Not stored (the database went away): counted, so the crawl does not look
            # complete; the next crawl finds the document again and stores it.
            self.count("failed")
            raise
        self.count(recorded.result)
        if recorded.extract_path is not None:
            # Extraction catches up in the background (close_spider waits for it).
            self.extractor.submit((item.url, recorded.extract_path))
        item.body = None  # the bytes are on disk now; don't keep them in memory
        return item

    def count(self, result: str) -> None:
        """Progress counters: budgetwatch/documents/{new,changed,unchanged,failed}."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"budgetwatch/documents/{result}")

    def record_batch(self, items: list[DocumentItem]) -> list[Recorded | Exception]:
        """Record items in one transaction; if that fails, each alone (one bad item fails alone)."""
        now = datetime.now(UTC)
        # Bytes go to the store first, outside the transaction: the store is keyed by
        # content, so a batch rolled back and retried writes nothing twice.
        fetches: list[Fetch | Exception] = []
        for item in items:
            try:
                fetches.append(self.fetch_of(item))
            except Exception as exc:  # the disk is full, say: this item fails, not the batch
                fetches.append(exc)
        ready = [fetch for fetch in fetches if isinstance(fetch, Fetch)]

        def write() -> list[FetchRecord]:
            with self.lock, self.factory.begin() as session:
                return record_fetches(session, ready, now)

        try:
            # A restarting database is waited for: its documents are not lost to the crawl.
            records = iter(retry_transient(write, what="recording documents"))
            return [
                f if isinstance(f, Exception) else self.recorded(next(records)) for f in fetches
            ]
        except Exception as error:
            if len(items) == 1 or is_transient(error):
                raise  # a database still down fails each item alike: no need to try them alone
        results: list[Recorded | Exception] = []
        for item in items:
            try:
                results += self.record_batch([item])
            except Exception as exc:
                results.append(exc)
        return results

    def fetch_of(self, item: DocumentItem) -> Fetch:
        """The fetch an item reports; fetched bytes are written to the content store."""
        common = {"source": item.url, "title": item.title, "referrer": item.referrer}
        if item.outcome is Outcome.NOT_MODIFIED:
            return Fetch(kind="unchanged", **common)
        if item.outcome is not Outcome.FETCHED:
            status = FAILURE_STATUS[item.outcome]
            return Fetch(kind="failed", status=status, error=item.error or item.outcome.value,
                         **common)  # fmt: skip
        assert item.body is not None
        suffix = sniff_suffix(item.body, item.suffix_hint, item.content_type)
        sha256, path = self.store.put(item.body, suffix)
        mime = (item.content_type or "").split(";")[0].strip().lower()
        if not mime or mime == "application/octet-stream":
            mime = MIME_TYPES.get(suffix, mime or "application/octet-stream")
        return Fetch(
            kind="fetched", sha256=sha256, size=len(item.body), content_type=mime,
            store_path=str(path), etag=item.etag, last_modified=item.last_modified,
            published_date=item.published, **common,
        )  # fmt: skip

    @staticmethod
    def recorded(record: FetchRecord) -> Recorded:
        """The pipeline's view of a record: its counter, and the file to extract if any."""
        path = Path(record.pending) if record.pending else None
        if path is not None and path.suffix.lstrip(".") not in EXTRACTABLE:
            path = None
        return Recorded(record.result, path)

    def extract_batch(self, tasks: list[tuple[str, Path]]) -> None:
        """Extract and store files in the worker processes; record the failures here."""
        outcomes = self.workers.extract_many(tasks)
        failed = [
            (source, error)
            for (source, _), (stored, error) in zip(tasks, outcomes, strict=True)
            if error
        ]
        if failed:
            # A database error here is logged by the Feeder; the documents stay unextracted
            # until the next crawl picks them up (pending_extraction).
            def write() -> None:
                with self.lock, self.factory.begin() as session:
                    for source, error in failed:
                        record_extraction_error(session, source, error)

            retry_transient(write, what="recording extraction errors")
        assert self.crawler.stats is not None
        stored = sum(1 for stored, _error in outcomes if stored)
        # Only this thread counts disclosures; the progress reporter just reads the value.
        self.crawler.stats.inc_value("budgetwatch/disclosures", stored)


_worker_factories: dict[tuple[int, str], sessionmaker[Session]] = {}
Stored = tuple[bool, str | None]  # (a disclosure was stored, the error)


def extract_and_store(tasks: list[tuple[Path, str]], database_url: str) -> list[Stored]:
    """Worker task: extract files and store their disclosures, all in one transaction.

    Storing in the worker keeps the ORM work off the crawl's event loop (and its GIL);
    the worker's engine is its own, made on first use in that process.
    """
    from extract import extract_file
    from storage.errors import BudgetwatchError

    results: list[Stored] = []
    found = []
    for path, source in tasks:
        try:
            found.append((source, extract_file(path, source)))
            results.append((True, None))
        except BudgetwatchError as exc:  # the message names the file
            results.append((False, str(exc)))
        except Exception as exc:  # a parser bug on one file must not fail the others
            results.append((False, f"{source}: {type(exc).__name__}: {exc}"))
    key = (os.getpid(), database_url)
    if key not in _worker_factories:
        _worker_factories[key] = session_factory(database_url)

    def store() -> set[str]:
        with _worker_factories[key].begin() as session:
            versions = current_versions(session, [source for source, _ in found])
            # A document gone meanwhile has nothing to attach its disclosure to.
            kept = [(versions[s], disclosure) for s, disclosure in found if s in versions]
            repository.store_disclosures(session, kept)
            return set(versions)

    # Extraction is the costly part: a restarting database is waited for, not re-extracted.
    try:
        stored = retry_transient(store, what="storing disclosures")
    except Exception as error:
        if not is_transient(error):
            raise  # the batch is retried file by file, so a bad file fails alone
        # Still down: every file of the batch failed alike (the next crawl extracts them again).
        reason = str(error).splitlines()[0]
        return [(False, f"{source}: database unavailable ({reason})") for _, source in tasks]
    return [
        (ok and source in stored, error)
        for (ok, error), (_, source) in zip(results, tasks, strict=True)
    ]


def warm_up() -> None:
    """Worker task: load the tokenizer's dictionaries before the first document needs them."""
    from extract.lexicon import may_split_word

    may_split_word("部门预算", 2)


class Batcher(Generic[T, R]):
    """Hands values to ``work`` in a thread, in batches of what arrived while it was busy."""

    def __init__(self, work: Callable[[list[T]], list[R | Exception]], limit: int) -> None:
        self.work, self.limit = work, limit
        self.pending: list[tuple[T, asyncio.Future[R]]] = []
        self.running: asyncio.Task[None] | None = None

    def submit(self, value: T) -> asyncio.Future[R]:
        """Queue ``value``; the future resolves when its batch is done."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.pending.append((value, future))
        if self.running is None or self.running.done():
            self.running = asyncio.ensure_future(self.run())
        return future

    async def run(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.limit], self.pending[self.limit :]
            try:
                results = await asyncio.to_thread(self.work, [value for value, _ in batch])
            except Exception as exc:
                logger.exception("%s failed on a batch of %d", self.work.__name__, len(batch))
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.cancelled():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def drain(self) -> None:
        """Wait until every queued value is done."""
        while self.running is not None and not self.running.done():
            await asyncio.shield(self.running)


class Feeder(Generic[T]):
    """Hands queued values to ``work`` in batches, from a thread of its own.

    Extraction waits on worker processes, not on the event loop: a thread that takes
    whatever has queued up and hands it straight to the workers keeps them busy, where
    a round trip through the (busy) event loop between batches left them idle.
    The thread starts with the first value, and first calls ``start`` (loading the
    workers' dictionaries while more pages come in); a crawl that finds nothing new
    never starts workers at all.
    """

    def __init__(
        self, work: Callable[[list[T]], None], limit: int, start: Callable[[], None]
    ) -> None:
        self.work, self.limit, self.start = work, limit, start
        self.queue: queue.SimpleQueue[T | None] = queue.SimpleQueue()  # None: stop
        self.thread: threading.Thread | None = None

    def submit(self, value: T) -> None:
        """Queue ``value`` (never blocks)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, name="extraction", daemon=True)
            self.thread.start()
        self.queue.put(value)

    def run(self) -> None:
        try:
            self.start()
        except Exception:
            logger.exception("starting the extraction workers failed")
        stopping = False
        while not stopping:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.limit and not self.queue.empty():
                value = self.queue.get()
                if value is None:
                    stopping = True
                    break
                batch.append(value)
            try:
                self.work(batch)
            except Exception:
                logger.exception("%s failed on a batch of %d", self.work.__name__, len(batch))

    def drain(self) -> None:
        """Wait until every queued value is done (blocks: call it from a thread)."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None


class ExtractionWorkers:
    """Long-lived extraction worker processes shared by the crawl (start-up is paid once each)."""

    def __init__(self, limits: ExtractLimits, database_url: str) -> None:
        from extract.sandbox import IsolatedPool

        self.database_url, self.size = database_url, limits.workers
        # Workers start (and restart) while the crawl runs threads, and they open database
        # connections: fork from the single-threaded fork server, never from this process,
        # so that no lock held by another thread is copied into a worker.
        self.pool = IsolatedPool(
            limits.workers, limits.timeout_seconds, limits.memory_mb, start_method="forkserver"
        )
        self.lock = threading.Lock()  # the pool serves one caller at a time

    def warm(self) -> None:
        """Start the workers and load their dictionaries (while the crawl goes on)."""
        with self.lock:
            for _outcome in self.pool.map(warm_up, [()] * self.size):
                pass

    def extract_many(self, tasks: list[tuple[str, Path]]) -> list[Stored]:
        """(stored, error) of each (source, path), in order, spread over the workers in batches.

        A batch that fails as a whole (timeout, crash, out of memory, database error) is
        retried one file at a time, so a hostile file fails alone.
        """
        chunks = [tasks[k :: self.size] for k in range(self.size) if tasks[k :: self.size]]
        by_source: dict[str, Stored] = {}
        with self.lock:
            outcomes = list(self.pool.map(extract_and_store, [self.batch(c) for c in chunks]))
            for chunk, outcome in zip(chunks, outcomes, strict=True):
                if outcome.error is None:
                    by_source.update(zip([s for s, _ in chunk], outcome.value, strict=True))
                    continue
                for source, path in chunk:
                    by_source[source] = self.one(source, path)
        return [by_source[source] for source, _ in tasks]

    def batch(self, chunk: list[tuple[str, Path]]) -> tuple[list[tuple[Path, str]], str]:
        return [(path, source) for source, path in chunk], self.database_url

    def one(self, source: str, path: Path) -> Stored:
        """One file in a batch of its own (the caller holds the lock)."""
        outcome = next(self.pool.map(extract_and_store, [self.batch([(source, path)])]))
        if outcome.error is None:
            return outcome.value[0]
        error = outcome.error
        if outcome.failure != "input":
            error = f"{source}: {error}"  # input errors already name the file
        return False, error

    def close(self) -> None:
        """Stop the worker processes."""
        with self.lock:
            self.pool.close()
