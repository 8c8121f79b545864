"""The cycle with a stand-in crawler: run records, crawl_health alerts, failures kept per step."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from budgetwatch.config import Settings
from budgetwatch.cycle import run_cycle
from crawler.progress import CrawlProgress
from crawler.run import CrawlJob, CrawlSummary
from storage.db import session_factory
from storage.models import SiteRunRow
from storage.monitoring import list_alerts
from tests.service_fixtures import FakeClock, service_settings


def summary(items: int, failed: int = 0, blocked: dict[str, str] | None = None) -> CrawlSummary:
    progress = CrawlProgress(pages=items, items=items, new=items, changed=0, unchanged=0,
                             failed=failed, disclosures=items)  # fmt: skip
    return CrawlSummary(progress, "finished", blocked or {}, 0.1)


class ScriptedCrawler:
    """Answers each site's crawl from a script: a summary, or an exception to raise."""

    def __init__(self, script: dict[str, CrawlSummary | Exception]) -> None:
        self.script = script

    def __call__(self, job: CrawlJob) -> CrawlSummary:
        answer = self.script["宁川县" if "ningchuan" in job.start_urls[0] else "云溪县"]
        if isinstance(answer, Exception):
            raise answer
        assert job.scrapy_settings["CLOSESPIDER_TIMEOUT"] == 120 * 60  # the time limit is set
        return answer


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return service_settings(database_url, tmp_path)


def health(settings: Settings) -> list[tuple[str | None, str | None, str]]:
    factory = session_factory(settings.database_url)
    with factory() as session:
        found = sorted(
            (a.region, a.metric, a.severity)
            for a in list_alerts(session)
            if a.rule == "crawl_health"
        )
    factory.kw["bind"].dispose()
    return found


def runs(settings: Settings) -> list[tuple[str, str, int]]:
    factory = session_factory(settings.database_url)
    with factory() as session:
        found = [
            (r.site, r.result, r.disclosures)
            for r in session.query(SiteRunRow).order_by(SiteRunRow.id)
        ]
    factory.kw["bind"].dispose()
    return found


def test_a_cycle_records_each_site_and_raises_health_alerts(
    settings: Settings, clock: FakeClock
) -> None:
    crawler = ScriptedCrawler(
        {"云溪县": summary(30), "宁川县": summary(0, 1, {"x": "anti-bot challenge (HTTP 521)"})}
    )
    result = run_cycle(settings, clock=clock, crawler=crawler)
    assert [step.step for step in result.steps] == [
        "crawl 云溪县",
        "crawl 宁川县",
        "monitor",
        "alerts",
    ]
    assert result.ok
    assert runs(settings) == [("云溪县", "ok", 30), ("宁川县", "blocked", 0)]
    assert health(settings) == [("宁川县", "blocked", "warning")]


def test_zero_disclosures_where_there_were_n_is_a_structure_change(
    settings: Settings, clock: FakeClock
) -> None:
    run_cycle(
        settings,
        clock=clock,
        crawler=ScriptedCrawler({"云溪县": summary(30), "宁川县": summary(5)}),
    )
    clock.move(days=1)
    again = ScriptedCrawler({"云溪县": summary(0), "宁川县": RuntimeError("connection refused")})
    result = run_cycle(settings, clock=clock, crawler=again)
    assert result.steps[0].ok and not result.steps[1].ok  # a failed crawl is a failed step
    assert [step.step for step in result.steps][2:] == ["monitor", "alerts"]  # the rest still ran
    assert health(settings) == [
        ("云溪县", "structure_changed", "critical"),
        ("宁川县", "failed", "critical"),
    ]
    clock.move(days=1)
    run_cycle(settings, clock=clock, crawler=again)  # still broken: the same alerts, not new ones
    assert len(health(settings)) == 2


def test_an_unreachable_database_means_the_cycle_could_not_run(tmp_path: Path) -> None:
    settings = service_settings(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", tmp_path
    )
    with pytest.raises(Exception, match="127.0.0.1"):
        run_cycle(settings, crawler=ScriptedCrawler({}))


def test_the_cycle_uses_the_clock(settings: Settings, clock: FakeClock) -> None:
    result = run_cycle(
        settings, clock=clock, crawler=ScriptedCrawler({"云溪县": summary(1), "宁川县": summary(1)})
    )
    assert result.started_at == clock.now == datetime.fromisoformat("2026-03-02T12:00:00+00:00")
