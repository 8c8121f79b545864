"""One cycle: crawl each due site → (the crawler extracts) → monitor → send alerts.

``run_cycle`` is the one function that `budgetwatch run --once` (cron) and
`budgetwatch serve` (the scheduler) call.  Each step's failure is caught and
recorded in the result, and the next step still runs where it makes sense;
the next cycle retries what failed.  Each crawl runs in a child process with
a time limit; each document is written in its own transaction by the
crawler, the monitor's pass in one, so nothing is ever half-written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from budgetwatch.config import Settings
from crawler.run import CrawlJob, CrawlSummary
from storage.service import SiteRunCounts

Clock = Callable[[], datetime]
CrawlRunner = Callable[[CrawlJob], CrawlSummary]


def utc_now() -> datetime:
    """The real clock (tests pass their own)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class StepOutcome:
    """How one step of the cycle ended."""

    step: str  # "crawl <site>", "monitor" or "alerts"
    ok: bool
    detail: str


@dataclass(frozen=True)
class SiteOutcome:
    """What the crawl of one site yielded (a row of ``site_runs``)."""

    site: str
    counts: SiteRunCounts
    health_alerts: int = 0


@dataclass
class CycleResult:
    """Everything one cycle did, step by step."""

    started_at: datetime
    finished_at: datetime | None = None
    steps: list[StepOutcome] = field(default_factory=list)
    sites: list[SiteOutcome] = field(default_factory=list)
    alerts_new: int = 0
    alerts_changed: int = 0
    deliveries: list[Any] = field(default_factory=list)  # alerts.delivery.ChannelReport
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """True when every step succeeded (documents that failed do not count)."""
        return all(step.ok for step in self.steps) and not self.interrupted


def default_crawler(job: CrawlJob) -> CrawlSummary:
    """Run the crawl in a child process (Twisted's reactor cannot restart in this one)."""
    from crawler.run import run_crawl

    return run_crawl(job)


def run_cycle(
    settings: Settings,
    *,
    sites: Sequence[str] | None = None,
    clock: Clock = utc_now,
    crawler: CrawlRunner = default_crawler,
    should_stop: Callable[[], bool] = lambda: False,
) -> CycleResult:
    """Run one cycle over ``sites`` (default: every configured site); see the module doc."""
    from storage.db import session_factory, upgrade

    upgrade(settings.database_url)  # an unreachable database stops here: the cycle cannot run
    factory = session_factory(settings.database_url)
    result = CycleResult(started_at=clock())
    try:
        names = list(sites) if sites is not None else [s.name for s in settings.crawl.sites]
        for name in names:
            if should_stop():
                result.interrupted = True
                break
            _crawl_step(settings, factory, name, clock, crawler, result)
        if not result.interrupted and not should_stop():
            _monitor_step(settings, factory, clock, result)
            _alerts_step(settings, factory, clock, result)
        else:
            result.interrupted = True
    finally:
        factory.kw["bind"].dispose()
    result.finished_at = clock()
    return result


def _crawl_step(
    settings: Settings,
    factory: sessionmaker[Session],
    site: str,
    clock: Clock,
    crawler: CrawlRunner,
    result: CycleResult,
) -> None:
    """Crawl one site, record the run and its health alerts; a failure stays in this step."""
    from budgetwatch.health import health_findings
    from storage import service
    from storage.monitoring import upsert_alert

    try:
        with factory.begin() as session:
            # A run still "running" here was cut off by a crash (kill -9): close it first.
            service.abandon_running(session, clock(), site)
            run_id = service.start_site_run(session, site, clock()).id
        counts = crawl_site(settings, site, crawler)
        with factory.begin() as session:
            service.finish_site_run(session, run_id, counts, clock())
            findings = health_findings(session, site, run_id, counts, clock())
            for finding in findings:
                upsert_alert(session, finding, clock(), channel_names(settings))
    except Exception as error:  # the database went away mid-step: the next cycle retries
        result.steps.append(StepOutcome(f"crawl {site}", False, _one_line(error)))
        return
    result.sites.append(SiteOutcome(site, counts, len(findings)))
    if counts.result == "interrupted":
        result.interrupted = True
    ok = counts.result in ("ok", "empty", "blocked")
    detail = counts.error or counts.blocked_reason or "finished"
    detail = f"{counts.result}: {counts.documents} documents, {counts.disclosures} disclosures, {counts.failures} failed ({detail})"
    result.steps.append(StepOutcome(f"crawl {site}", ok, detail))


def crawl_site(settings: Settings, site: str, crawler: CrawlRunner) -> SiteRunCounts:
    """Crawl ``site`` within the time limit and classify how it went."""
    from budgetwatch.crawling import crawl_job

    try:
        job = crawl_job(settings, site=site)
        # Scrapy's own CLOSESPIDER_TIMEOUT closes the spider cleanly at the limit.
        limit = {"CLOSESPIDER_TIMEOUT": settings.serve.crawl_timeout_minutes * 60}
        job = dataclasses.replace(job, scrapy_settings={**job.scrapy_settings, **limit})
        summary = crawler(job)
    except Exception as error:
        return SiteRunCounts("failed", error=_one_line(error))
    return classify(summary)


def classify(summary: CrawlSummary) -> SiteRunCounts:
    """ok, empty, blocked or interrupted, with the counts of one crawl."""
    p = summary.progress
    documents = p.new + p.changed + p.unchanged + p.failed
    blocked = "; ".join(sorted(set(summary.blocked_sites.values()))) or None
    if not summary.finished:
        result = "interrupted"
    elif p.items == 0 and blocked:
        result = "blocked"
    elif p.items == 0:
        result = "empty"
    else:
        result = "ok"
    return SiteRunCounts(result, documents, p.items, p.failed, blocked)


def _monitor_step(
    settings: Settings, factory: sessionmaker[Session], clock: Clock, result: CycleResult
) -> None:
    """Evaluate what changed since the last pass, in one transaction."""
    import monitor

    try:
        with factory.begin() as session:
            report = monitor.evaluate(session, now=clock(), settings=settings.monitor,
                                      channels=channel_names(settings))  # fmt: skip
    except Exception as error:
        result.steps.append(StepOutcome("monitor", False, _one_line(error)))
        return
    result.alerts_new, result.alerts_changed = len(report.new), len(report.changed)
    detail = f"{len(report.new)} new, {len(report.changed)} changed, {report.unchanged} unchanged"
    result.steps.append(StepOutcome("monitor", True, detail))


def _alerts_step(
    settings: Settings, factory: sessionmaker[Session], clock: Clock, result: CycleResult
) -> None:
    """Deliver what is due on every channel (nothing to do without channels)."""
    from alerts.channels import build_channel
    from alerts.delivery import Outbox, deliver_due

    if not settings.alerts.channels:
        result.steps.append(StepOutcome("alerts", True, "no channels configured"))
        return
    try:
        channels = [build_channel(c, settings.alerts) for c in settings.alerts.channels]
        reports = deliver_due(factory, channels, Outbox.from_settings(settings.alerts), clock())
    except Exception as error:
        result.steps.append(StepOutcome("alerts", False, _one_line(error)))
        return
    result.deliveries = reports
    ok = not any(report.errors and not report.sent for report in reports)
    detail = ", ".join(f"{r.channel}: {r.sent} sent, {r.retrying} retrying, {r.failed} failed"
                       for r in reports)  # fmt: skip
    result.steps.append(StepOutcome("alerts", ok, detail))


def channel_names(settings: Settings) -> list[str]:
    """The configured channels' names: each new alert is queued on every one of them."""
    return [channel.name for channel in settings.alerts.channels]


def _one_line(error: BaseException) -> str:
    """An error as one line (no traceback, no multi-line driver noise)."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".strip()
