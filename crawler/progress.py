"""A Scrapy extension that reports crawl progress (pages, items, documents) to a callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

DOCUMENT_RESULTS = ("new", "changed", "unchanged", "failed")


@dataclass(frozen=True)
class CrawlProgress:
    """Counters of a running crawl."""

    pages: int = 0
    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    disclosures: int = 0

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> CrawlProgress:
        """The counters the spider and pipeline keep in Scrapy's stats."""

        def get(name: str) -> int:
            return int(stats.get(f"budgetwatch/{name}", 0))

        documents = {name: get(f"documents/{name}") for name in DOCUMENT_RESULTS}
        return cls(
            pages=get("pages"), items=get("items"), disclosures=get("disclosures"), **documents
        )


class ProgressReporter:
    """Calls ``BUDGETWATCH_PROGRESS`` with a CrawlProgress every ``BUDGETWATCH_PROGRESS_INTERVAL`` s."""

    def __init__(self, crawler: Crawler, report: Callable[[CrawlProgress], None], interval: float):
        self.crawler, self.report, self.interval = crawler, report, interval
        self.loop = LoopingCall(self.tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        report = crawler.settings.get("BUDGETWATCH_PROGRESS")
        if report is None:
            raise NotConfigured("no progress callback")
        reporter = cls(
            crawler, report, crawler.settings.getfloat("BUDGETWATCH_PROGRESS_INTERVAL", 1.0)
        )
        crawler.signals.connect(reporter.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(reporter.spider_closed, signal=signals.spider_closed)
        return reporter

    def tick(self) -> None:
        assert self.crawler.stats is not None
        self.report(CrawlProgress.from_stats(self.crawler.stats.get_stats()))

    def spider_opened(self, spider: Any) -> None:
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Any) -> None:
        if self.loop.running:
            self.loop.stop()
        self.tick()
