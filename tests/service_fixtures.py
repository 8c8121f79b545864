"""Shared by the service tests: a movable clock (also APScheduler's), settings, databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest

from budgetwatch.config import Settings, load_config
from tests.storage.conftest import database_url, postgres_server, postgres_url

__all__ = ["database_url", "postgres_server", "postgres_url"]


class FakeClock:
    """A clock the test moves; callable like ``budgetwatch.cycle.utc_now``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A clock at 2026-03-02 12:00 UTC that APScheduler reads too (it has no clock argument)."""
    fake = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))

    class MovedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return fake.now.astimezone(tz) if tz else fake.now.replace(tzinfo=None)

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", MovedDatetime)
    monkeypatch.setattr(apscheduler.executors.base, "datetime", MovedDatetime)
    return fake


def service_settings(url: str, tmp: Any, **extra: Any) -> Settings:
    """Two sites on fixed daily schedules (UTC), nothing else configured."""
    sites = [
        {"name": "云溪县", "start_urls": ["http://127.0.0.1:9/yunxi/"], "schedule": "0 2 * * *"},
        {
            "name": "宁川县",
            "start_urls": ["http://127.0.0.1:9/ningchuan/"],
            "schedule": "30 3 * * *",
        },
    ]
    overrides = {"database_url": url, "store_dir": str(tmp / "files"),
                 "crawl": {"sites": sites}, "serve": {"timezone": "UTC"}, **extra}  # fmt: skip
    return load_config(None, env={}, overrides=overrides)


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    """Wait for ``condition`` with a deadline (polling a condition, not sleeping blindly)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)
