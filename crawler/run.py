"""Run one crawl in a child process and return a plain summary.

Twisted's reactor cannot be restarted, so every crawl gets a fresh process
(the scheduler runs many crawls in one service).  The child runs in its
own session: Ctrl-C and SIGTERM reach the parent, which asks the
child to stop once; Scrapy then closes the spider cleanly and the pipeline's
transactions (whole documents only) leave no half-written rows, so a rerun continues
without duplicates.  A second Ctrl-C forces the child down.  If the parent dies
(kill -9), the child notices and stops the same clean way instead of crawling on alone.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any

from crawler.progress import CrawlProgress
from crawler.sites import SiteProfile
from storage.errors import FetchError


@dataclass(frozen=True)
class CrawlJob:
    """Everything one crawl needs, as plain picklable values."""

    start_urls: tuple[str, ...]
    database_url: str
    store_dir: Path
    allowed_domains: tuple[str, ...] = ()
    profile: SiteProfile | None = None
    max_pages: int | None = None
    scrapy_settings: Mapping[str, Any] = field(default_factory=dict)  # from the crawl: section
    progress_interval: float = 1.0


@dataclass(frozen=True)
class CrawlSummary:
    """How a crawl ended: counters, sites paused as blocked, and whether it finished."""

    progress: CrawlProgress
    finish_reason: str  # "finished", "shutdown" (interrupted), "closespider_pagecount"
    blocked_sites: dict[str, str]  # site (start URL) -> reason
    seconds: float

    @property
    def finished(self) -> bool:
        """Whether the crawl ran to its end (a page limit counts as an end)."""
        return self.finish_reason != "shutdown"


def scrapy_settings(job: CrawlJob, report: Callable[[CrawlProgress], None] | None) -> Any:
    """The project settings with this job's configuration on top."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    overrides: dict[str, Any] = {
        **job.scrapy_settings,
        "BUDGETWATCH_DATABASE_URL": job.database_url,
        "BUDGETWATCH_STORE_DIR": str(job.store_dir),
        "BUDGETWATCH_PROGRESS": report,
        "BUDGETWATCH_PROGRESS_INTERVAL": job.progress_interval,
    }
    if job.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = job.max_pages
    settings.setdict(overrides, priority="cmdline")
    return settings


def crawl_here(
    job: CrawlJob, report: Callable[[CrawlProgress], None] | None = None
) -> CrawlSummary:
    """Run the crawl in this process (once per process: the reactor cannot restart)."""
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.spiders.disclosures import DisclosuresSpider

    started = time.monotonic()
    process = AsyncCrawlerProcess(scrapy_settings(job, report))
    crawler = process.create_crawler(DisclosuresSpider)
    process.crawl(crawler, start_urls=job.start_urls, allowed_domains=job.allowed_domains,
                  profile=job.profile)  # fmt: skip
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    prefix = "budgetwatch/blocked/"
    blocked = {k.removeprefix(prefix): str(v) for k, v in stats.items() if k.startswith(prefix)}
    return CrawlSummary(
        CrawlProgress.from_stats(stats),
        str(stats.get("finish_reason", "shutdown")),
        blocked,
        round(time.monotonic() - started, 3),
    )


ORPHAN_POLL_SECONDS = 0.5
ORPHAN_FORCE_SECONDS = 60.0  # a clean stop that takes longer than this is forced


def _stop_when_orphaned(parent: int) -> None:
    """Stop this crawl cleanly if the process that started it dies (kill -9, OOM killer).

    The crawl runs in a session of its own, so killing the parent's process group
    does not reach it; without this it would crawl on, unwatched, beside the next run.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL_SECONDS)
        print("crawl: the budgetwatch process that started this crawl is gone; stopping",
              file=sys.stderr, flush=True)  # fmt: skip
        os.kill(os.getpid(), signal.SIGTERM)  # Scrapy's clean stop: whole documents only
        time.sleep(ORPHAN_FORCE_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)  # a second SIGTERM forces Scrapy down

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _child_main(fd: int, parent: int) -> None:
    """Entry point of the crawl process: the job comes on stdin, messages go back on ``fd``."""
    _stop_when_orphaned(parent)
    conn = Connection(fd)
    job: CrawlJob = pickle.load(sys.stdin.buffer)

    def send(message: tuple[str, Any]) -> None:
        # A dead parent reads nothing: the orphan watch stops the crawl, no need to fail here.
        with contextlib.suppress(BrokenPipeError):
            conn.send(message)

    try:
        summary = crawl_here(job, lambda progress: send(("progress", progress)))
        send(("summary", summary))
    except BaseException as exc:
        send(("error", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        conn.close()


class _StopRelay:
    """While a crawl runs, SIGTERM/SIGINT to the parent become one SIGTERM to the child each."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _StopRelay:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                self.previous[signum] = signal.signal(signum, self.relay)
        return self

    def relay(self, signum: int, frame: FrameType | None) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _receive(
    receiver: Connection, on_progress: Callable[[CrawlProgress], None] | None
) -> tuple[CrawlSummary | None, str]:
    """Read the child's messages until it closes its end; return the summary or the error."""
    summary, error = None, "the crawl process ended without a summary"
    while True:
        try:
            kind, payload = receiver.recv()
        except EOFError:
            return summary, error
        if kind == "progress" and on_progress is not None:
            on_progress(payload)
        elif kind == "summary":
            summary = payload
        elif kind == "error":
            error = payload


def run_crawl(
    job: CrawlJob, on_progress: Callable[[CrawlProgress], None] | None = None
) -> CrawlSummary:
    """Run ``job`` in a fresh Python process; progress goes to ``on_progress``; return the summary."""
    read_fd, write_fd = os.pipe()
    command = [sys.executable, "-m", "crawler.run", str(write_fd), str(os.getpid())]
    # A new session: the terminal's Ctrl-C reaches only us, and we relay one clean stop.
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, pass_fds=(write_fd,), start_new_session=True
    )
    os.close(write_fd)
    receiver = Connection(read_fd)
    with _StopRelay(process):
        assert process.stdin is not None
        process.stdin.write(pickle.dumps(job))
        process.stdin.close()
        summary, error = _receive(receiver, on_progress)
        process.wait()
    receiver.close()
    if summary is None:
        raise FetchError(
            f"crawl of {', '.join(job.start_urls)} failed: {error} (exit {process.returncode})"
        )
    return summary


if __name__ == "__main__":
    # Import by name so pickled results name crawler.run, not __main__, for the parent.
    from crawler.run import _child_main as child_main

    child_main(int(sys.argv[1]), int(sys.argv[2]))
