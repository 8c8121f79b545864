"""The scheduler service with a moved clock: due runs, downtime, stops, crashes and the lock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from budgetwatch.config import Settings
from budgetwatch.cycle import CycleResult
from scheduler.lock import LockHeldError
from scheduler.service import Service
from storage.db import session_factory, upgrade
from storage.service import start_site_run
from tests.service_fixtures import FakeClock, service_settings, wait_until


class RecordingCycle:
    """Stands in for run_cycle: records (site, time); can pretend to be interrupted."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime]] = []
        self.interrupt = False

    def __call__(
        self, settings: Settings, *, sites: list[str], clock: Any, should_stop: Any
    ) -> CycleResult:
        self.calls.append((sites[0], clock()))
        return CycleResult(started_at=clock(), finished_at=clock(), interrupted=self.interrupt)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return service_settings(database_url, tmp_path)


@pytest.fixture
def cycle() -> RecordingCycle:
    return RecordingCycle()


@pytest.fixture
def services() -> Iterator[list[Service]]:
    opened: list[Service] = []
    yield opened
    for service in opened:
        service.close()


def start(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, opened: list[Service]
) -> Service:
    service = Service(settings, clock=clock, cycle=cycle)
    opened.append(service)
    assert service.open()
    return service


def run_due(service: Service, clock: FakeClock) -> int:
    """Let the scheduler look at the moved clock, then run what it handed over; return how many."""
    assert service.scheduler is not None
    service.scheduler.wakeup()
    wait_until(
        lambda: all(
            j.next_run_time is None or j.next_run_time > clock.now
            for j in service.scheduler.get_jobs()
        ),  # type: ignore[union-attr]
        what="the scheduler to process due jobs",
    )
    ran = 0
    while service.run_next(timeout=0.05):
        ran += 1
    return ran


def next_run(service: Service, job_id: str) -> datetime:
    assert service.scheduler is not None
    job = service.scheduler.get_job(job_id)
    return job.next_run_time.astimezone(UTC)


def test_each_site_runs_at_its_time_and_jobs_have_stable_ids(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, services: list[Service]
) -> None:
    service = start(settings, clock, cycle, services)
    assert next_run(service, "crawl:云溪县") == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    assert run_due(service, clock) == 0
    clock.move(hours=14, minutes=1)  # 03-03 02:01
    assert run_due(service, clock) == 1
    assert cycle.calls == [("云溪县", clock.now)]
    assert next_run(service, "crawl:云溪县") == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def test_down_two_days_then_started_runs_the_daily_job_once(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, services: list[Service]
) -> None:
    first = start(settings, clock, cycle, services)
    first.close()
    clock.move(days=2, hours=1)  # 03-04 13:00: 03-03 and 03-04 runs of both sites were missed
    second = start(settings, clock, cycle, services)
    assert run_due(second, clock) == 2
    assert {site for site, _ in cycle.calls} == {"宁川县", "云溪县"}
    assert next_run(second, "crawl:云溪县") == datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


def test_a_run_due_at_stop_is_given_back_not_skipped_nor_repeated(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, services: list[Service]
) -> None:
    first = start(settings, clock, cycle, services)
    clock.move(hours=14, minutes=1)
    assert first.scheduler is not None
    first.scheduler.wakeup()
    wait_until(lambda: first.executor.queue.qsize() == 1, what="the due run to be handed over")
    first.close()  # SIGTERM before the handed-over run started
    assert cycle.calls == []
    second = start(settings, clock, cycle, services)
    assert run_due(second, clock) == 1
    second.close()
    third = start(settings, clock, cycle, services)
    assert run_due(third, clock) == 0
    assert [site for site, _ in cycle.calls] == ["云溪县"]


def test_an_interrupted_cycle_runs_again_once_on_the_next_start(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, services: list[Service]
) -> None:
    first = start(settings, clock, cycle, services)
    clock.move(hours=14, minutes=1)
    cycle.interrupt = True  # the crawl child stopped on our SIGTERM
    assert run_due(first, clock) == 1
    assert first.stop_requested.is_set()
    first.close()
    cycle.interrupt = False
    second = start(settings, clock, cycle, services)
    assert run_due(second, clock) == 1
    assert next_run(second, "crawl:云溪县") == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def test_a_crawl_cut_off_by_a_crash_is_caught_up_on_start(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, services: list[Service]
) -> None:
    upgrade(settings.database_url)
    factory = session_factory(settings.database_url)
    with factory.begin() as session:
        start_site_run(session, "宁川县", clock())  # left "running" by a kill -9
    factory.kw["bind"].dispose()
    service = start(settings, clock, cycle, services)
    assert run_due(service, clock) == 1
    assert [site for site, _ in cycle.calls] == ["宁川县"]


def test_a_second_scheduler_on_the_database_is_refused_then_takes_over(
    settings: Settings, clock: FakeClock, cycle: RecordingCycle, services: list[Service]
) -> None:
    first = start(settings, clock, cycle, services)
    second = Service(settings, clock=clock, cycle=cycle)
    with pytest.raises(LockHeldError, match="only one may act on a database"):
        second.open()
    second.close()
    clock.move(hours=14, minutes=1)
    assert run_due(first, clock) == 1
    first.close()
    third = start(settings, clock, cycle, services)
    assert run_due(third, clock) == 0  # the run was done once, by the first
    assert len(cycle.calls) == 1


def test_a_changed_schedule_replaces_the_job(
    settings: Settings,
    clock: FakeClock,
    cycle: RecordingCycle,
    services: list[Service],
    tmp_path: Path,
) -> None:
    start(settings, clock, cycle, services).close()
    sites = [{"name": "云溪县", "start_urls": ["http://127.0.0.1:9/"], "schedule": "0 22 * * *"}]
    changed = service_settings(settings.database_url, tmp_path, crawl={"sites": sites})
    service = start(changed, clock, cycle, services)
    assert next_run(service, "crawl:云溪县") == datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    assert service.scheduler is not None and service.scheduler.get_job("crawl:宁川县") is None
