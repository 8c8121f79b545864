"""`budgetwatch serve`: APScheduler runs each site's cycle on time, on one database, alone.

The job store is a table in the same database (``apscheduler_jobs``), so
schedules survive restarts: a run missed while the service was down runs
once on start (``coalesce``, ``misfire_grace_time`` of hours).  Jobs run in
the main thread (see ``scheduler.executor``).  On SIGTERM the current step
finishes or, for a crawl, stops cleanly; runs that were due but not done
are given back to the job store, so the next start neither repeats nor
skips them.  A crash (kill -9) leaves a ``running`` site run, which the
next start catches up.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from budgetwatch.config import Settings
from budgetwatch.cycle import Clock, CycleResult, run_cycle, utc_now
from scheduler import jobs
from scheduler.executor import MainThreadExecutor
from scheduler.lock import LockHeldError, SchedulerLock, make_lock
from storage.db import make_engine, normalize_url, session_factory, upgrade

log = logging.getLogger("budgetwatch.serve")
POLL_SECONDS = 0.5  # how often the idle main loop looks at the stop flag
Cycle = Callable[..., CycleResult]


class Service:
    """One scheduler on one database: open(), serve() until stopped, close()."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        cycle: Cycle = run_cycle,
        wait_for_lock: bool = False,
    ) -> None:
        self.settings, self.clock, self.cycle = settings, clock, cycle
        self.wait_for_lock = wait_for_lock
        self.stop_requested = threading.Event()
        self.executor = MainThreadExecutor()
        self.scheduler: BackgroundScheduler | None = None
        self.lock: SchedulerLock | None = None
        self.results: list[CycleResult] = []
        self.given_back: list[tuple[str, datetime]] = []
        self._heartbeat: threading.Thread | None = None
        self._store: SQLAlchemyJobStore | None = None

    def open(self) -> bool:
        """Take the lock, migrate, load and sync the jobs; False if stopped while waiting."""
        url = self.settings.database_url
        upgrade(url)
        if not self._take_lock():
            return False
        catch_up = self._abandoned_sites()
        jobs.activate(self)
        self._store = SQLAlchemyJobStore(engine=make_engine(url))
        self.scheduler = BackgroundScheduler(
            jobstores={"default": self._store},
            executors={"default": self.executor},
            job_defaults=jobs.job_options(self.settings.serve.misfire_grace_hours),
            timezone=ZoneInfo(self.settings.serve.timezone),
        )
        self.scheduler.start(paused=True)
        sync_jobs(self.scheduler, self.settings, catch_up, self.clock())
        self.scheduler.resume()
        self._start_heartbeat()
        return True

    def serve(self) -> None:
        """Run due jobs in this thread until a stop is requested."""
        while not self.stop_requested.is_set():
            self.executor.run_next(timeout=POLL_SECONDS)

    def run_next(self, timeout: float) -> bool:
        """Run one due job if one arrives within ``timeout`` (tests drive the service with this)."""
        return self.executor.run_next(timeout)

    def request_stop(self, *_: Any) -> None:
        """Stop after the current step (safe in a signal handler: it only sets a flag)."""
        self.stop_requested.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT request a clean stop."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def close(self) -> None:
        """Give back the runs not done, stop the scheduler, release the lock."""
        self.stop_requested.set()
        if self.scheduler is not None:
            # Shut down first (this joins the scheduler's thread), so nothing it is still
            # submitting or writing can overwrite the runs given back below.
            self.scheduler.shutdown(wait=False)
            self._give_back(self.given_back + self.executor.drain())
            self.scheduler = None
        if self._heartbeat is not None:
            self._heartbeat.join()
        if self.lock is not None:
            self.lock.release()
            self.lock = None
        jobs.deactivate(self)

    def _give_back(self, runs: list[tuple[str, datetime]]) -> None:
        """Make runs that were due but not done due again (the next start runs them once)."""
        assert self._store is not None
        for job_id, run_time in runs:
            job = self._store.lookup_job(job_id)
            if job is not None:
                job._modify(next_run_time=run_time)
                self._store.update_job(job)
                log.info("serve: %s (due %s) will run on the next start", job_id, run_time)
        self._store.engine.dispose()

    # -- jobs ----------------------------------------------------------------------------------

    def run_site_cycle(self, site: str) -> None:
        """One cycle for ``site``; errors are logged, and the next scheduled cycle retries."""
        try:
            result = self.cycle(self.settings, sites=[site], clock=self.clock,
                                should_stop=self.stop_requested.is_set)  # fmt: skip
        except Exception as error:  # the database is down: this cycle could not run
            log.error("serve: cycle for %s could not run: %s", site, _one_line(error))
            return
        self.results.append(result)
        for step in result.steps:
            log.info("serve: %s %s: %s", step.step, "ok" if step.ok else "FAILED", step.detail)
        if result.interrupted and self.executor.running is not None:
            self.given_back.append(self.executor.running)
            # A crawl stops early only on our SIGTERM, which its relay took from us.
            self.stop_requested.set()

    def send_alerts(self) -> None:
        """Deliver due alerts (the retries between cycles)."""
        from budgetwatch.cycle import _alerts_step

        factory = session_factory(self.settings.database_url)
        result = CycleResult(started_at=self.clock())
        try:
            _alerts_step(self.settings, factory, self.clock, result)
        finally:
            factory.kw["bind"].dispose()
        for step in result.steps:
            log.info("serve: alerts %s: %s", "ok" if step.ok else "FAILED", step.detail)

    # -- the lock ------------------------------------------------------------------------------

    def _take_lock(self) -> bool:
        """Take the database's scheduler lock, or wait for it, or say who holds it."""
        serve = self.settings.serve
        self.lock = make_lock(self.settings.database_url, self.clock, serve.lock_lease_seconds)
        while not self.lock.acquire():
            where = normalize_url(self.settings.database_url).render_as_string(hide_password=True)
            if not self.wait_for_lock:
                raise LockHeldError(
                    f"{self.lock.holder()} already schedules cycles on {where}; "
                    "only one may act on a database (start with --wait to take over when it stops)"
                )
            log.info("serve: waiting for %s to stop", self.lock.holder())
            if self.stop_requested.wait(min(5.0, serve.lock_lease_seconds / 4)):
                self.lock = None
                return False
        return True

    def _start_heartbeat(self) -> None:
        """Renew the lock in the background, also while a long crawl runs in the main thread."""
        interval = self.settings.serve.lock_lease_seconds / 3

        def beat() -> None:
            while not self.stop_requested.wait(interval):
                if self.lock is not None and not self.lock.renew():
                    log.error("serve: lost the scheduler lock to another process; stopping")
                    self.stop_requested.set()

        self._heartbeat = threading.Thread(target=beat, name="scheduler-lock", daemon=True)
        self._heartbeat.start()

    def _abandoned_sites(self) -> set[str]:
        """Sites whose crawl a crash cut off: they run again now."""
        from storage.service import abandon_running

        factory = session_factory(self.settings.database_url)
        try:
            with factory.begin() as session:
                return set(abandon_running(session, self.clock()))
        finally:
            factory.kw["bind"].dispose()


def sync_jobs(
    scheduler: BackgroundScheduler, settings: Settings, catch_up: set[str], now: datetime
) -> None:
    """Make the stored jobs match the config, keeping the due times of unchanged schedules."""
    options = jobs.job_options(settings.serve.misfire_grace_hours)
    zone = settings.serve.timezone
    wanted = set()
    for site in settings.crawl.sites:
        job_id = jobs.SITE_PREFIX + site.name
        wanted.add(job_id)
        trigger = jobs.site_trigger(site.name, site.schedule, zone)
        existing = scheduler.get_job(job_id)
        if existing is None or _trigger_key(existing.trigger) != _trigger_key(trigger):
            scheduler.add_job(jobs.run_site, trigger, args=[site.name], id=job_id,
                              name=f"cycle for {site.name}", replace_existing=True, **options)  # fmt: skip
        else:
            # replace_existing would reset the due time and silently skip a missed run.
            scheduler.modify_job(job_id, **options)
        if site.name in catch_up:
            scheduler.modify_job(job_id, next_run_time=now)
    for job in scheduler.get_jobs():
        if job.id.startswith(jobs.SITE_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id)
    if settings.alerts.channels:
        trigger = jobs.alerts_trigger(settings.serve.alerts_interval_minutes, zone)
        scheduler.add_job(jobs.send_alerts, trigger, id=jobs.ALERTS_JOB, name="send due alerts",
                          replace_existing=True, **options)  # fmt: skip
    elif scheduler.get_job(jobs.ALERTS_JOB) is not None:
        scheduler.remove_job(jobs.ALERTS_JOB)


def _trigger_key(trigger: Any) -> tuple[str, str]:
    """What identifies a schedule: its fields and its time zone."""
    return str(trigger), str(getattr(trigger, "timezone", ""))


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


__all__ = ["LockHeldError", "Service", "sync_jobs"]
