"""The crawl step as the CLI and the cycle run it: build the job from config, run it, list results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from budgetwatch.config import CrawlSettings, Settings
from crawler.progress import CrawlProgress
from crawler.run import CrawlJob, CrawlSummary, run_crawl
from crawler.sites import SiteProfile, load_profile
from storage.errors import InputError


def scrapy_overrides(crawl: CrawlSettings) -> dict[str, Any]:
    """The ``crawl:`` config section as Scrapy settings."""
    return {
        "USER_AGENT": crawl.user_agent,
        "DOWNLOAD_MAXSIZE": crawl.download_max_size,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "RETRY_TIMES": crawl.retry_times,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": crawl.autothrottle_start_delay,
        "AUTOTHROTTLE_MAX_DELAY": crawl.autothrottle_max_delay,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": crawl.autothrottle_target_concurrency,
    }


def site_targets(settings: Settings, name: str) -> tuple[list[str], list[str], SiteProfile | None]:
    """Start URLs, extra domains and profile of ``--site NAME``: a config site, else a profile file."""
    for site in settings.crawl.sites:
        if site.name == name:
            profile = load_profile(site.profile) if site.profile else None
            urls = site.start_urls or list(profile.start_urls if profile else ())
            domains = site.allowed_domains + list(profile.allowed_domains if profile else ())
            return urls, domains, profile
    profile = load_profile(name)
    return list(profile.start_urls), list(profile.allowed_domains), profile


def crawl_job(
    settings: Settings,
    start_urls: Sequence[str] = (),
    site: str | None = None,
    store_dir: Path | None = None,
    max_pages: int | None = None,
    log_level: str = "WARNING",
) -> CrawlJob:
    """The job for one crawl: command-line start URLs and/or a named site, config for the rest."""
    urls, domains, profile = site_targets(settings, site) if site else ([], [], None)
    urls = list(dict.fromkeys([*start_urls, *urls]))
    if not urls:
        raise InputError("nothing to crawl: give --start-url URL or --site NAME (with start_urls)")
    return CrawlJob(
        start_urls=tuple(urls),
        database_url=settings.database_url,
        store_dir=Path(store_dir or settings.store_dir),
        allowed_domains=tuple(dict.fromkeys([*settings.crawl.allowed_domains, *domains])),
        profile=profile,
        max_pages=max_pages,
        scrapy_settings={
            **scrapy_overrides(settings.crawl),
            "LOG_LEVEL": log_level,
            "BUDGETWATCH_EXTRACT_WORKERS": settings.extract.workers,
            "BUDGETWATCH_EXTRACT_TIMEOUT": settings.extract.timeout_seconds,
            "BUDGETWATCH_EXTRACT_MEMORY_MB": settings.extract.memory_mb,
        },
    )


def crawl(
    job: CrawlJob, on_progress: Callable[[CrawlProgress], None] | None = None
) -> CrawlSummary:
    """Migrate the database, then run the crawl in a child process."""
    from storage.db import upgrade

    upgrade(job.database_url)
    return run_crawl(job, on_progress)


def progress_line(progress: CrawlProgress) -> str:
    """One human line of counters."""
    return (
        f"pages {progress.pages} · items {progress.items} · documents new {progress.new}, "
        f"changed {progress.changed}, unchanged {progress.unchanged}, failed {progress.failed}"
    )


def summary_json(summary: CrawlSummary) -> dict[str, Any]:
    """The `crawl --json` summary object."""
    counters = asdict(summary.progress)
    documents = {name: counters.pop(name) for name in ("new", "changed", "unchanged", "failed")}
    return {
        **counters,
        "documents": documents,
        "blocked_sites": summary.blocked_sites,
        "finished": summary.finished,
        "finish_reason": summary.finish_reason,
        "seconds": summary.seconds,
    }


def document_rows(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    """`documents list --json` objects, in discovery order."""
    from storage import repository

    with factory() as session:
        return [
            {
                "url": d.source,
                "title": d.title,
                "sha256": d.sha256,
                "content_type": d.content_type,
                "size": d.size,
                "first_seen": d.first_seen.isoformat(),
                "last_seen": d.last_seen.isoformat(),
                "versions": len(d.versions),
                "status": d.status,
                "error": d.error,
            }
            for d in repository.list_documents(session)
        ]


def disclosure_rows(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    """`disclosures list --json` objects: current disclosures with their chosen figures in yuan."""
    from budgetwatch.render import decimal_text
    from storage import repository

    with factory() as session:
        return [
            {
                "region": row.region,
                "department": row.department,
                "year": row.year,
                "kind": row.kind,
                "source_url": row.version.document.source,
                "figures": {f.metric: decimal_text(f.value) for f in row.figures if f.chosen},
            }
            for row in repository.disclosures_for(session)
        ]
