"""The jobs `serve` schedules: one crawl cycle per site on its cron line, and alert retries.

Job ids are stable (``crawl:<site>``, ``alerts:send``) and the stored
arguments are only the site's name: the job store lives in the database,
and settings (with secrets) must never be pickled into it.  The running
service registers itself here, and the job functions reach it through
``active()``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:
    from scheduler.service import Service

SITE_PREFIX = "crawl:"
ALERTS_JOB = "alerts:send"
NIGHT_START_HOUR, NIGHT_HOURS = 1, 5  # default crawls fall between 01:00 and 05:59

_ACTIVE: list[Service] = []


def activate(service: Service | None) -> None:
    """Make ``service`` the one the job functions use (None: none)."""
    _ACTIVE[:] = [service] if service is not None else []


def deactivate(service: Service) -> None:
    """Forget ``service`` if it is the active one (a refused second service leaves the first)."""
    if _ACTIVE and _ACTIVE[0] is service:
        _ACTIVE.clear()


def active() -> Service:
    """The running service."""
    if not _ACTIVE:
        raise RuntimeError("no budgetwatch service is running in this process")
    return _ACTIVE[0]


def default_schedule(site: str) -> str:
    """Daily at a minute of the night that is stable per site, so portals are not hit at once."""
    minute = int.from_bytes(hashlib.sha256(site.encode("utf-8")).digest()[:4], "big")
    minute %= NIGHT_HOURS * 60
    return f"{minute % 60} {NIGHT_START_HOUR + minute // 60} * * *"


def site_trigger(site: str, schedule: str | None, timezone: str) -> CronTrigger:
    """The cron trigger of one site."""
    return CronTrigger.from_crontab(schedule or default_schedule(site), timezone=ZoneInfo(timezone))


def alerts_trigger(minutes: float, timezone: str) -> IntervalTrigger:
    """How often due deliveries are retried between cycles."""
    return IntervalTrigger(seconds=int(minutes * 60), timezone=ZoneInfo(timezone))


def run_site(site: str) -> None:
    """Job: one cycle for ``site`` (crawl, then monitor and alerts)."""
    active().run_site_cycle(site)


def send_alerts() -> None:
    """Job: deliver what is due (retries of deliveries that failed earlier)."""
    active().send_alerts()


def job_options(misfire_grace_hours: float) -> dict[str, Any]:
    """What every job shares: one run for many missed, never two at once, hours of grace."""
    return {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": int(misfire_grace_hours * 3600),
    }
