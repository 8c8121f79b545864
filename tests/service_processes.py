"""Real `budgetwatch` processes for the fault tests, and the state they leave in the database.

Every process starts in its own session (its own process group), its output goes to
files the test reads, waits have deadlines, and ``stop_tree`` takes down the process
and every descendant it started (the crawl child runs in a session of its own), so no
child outlives a test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetwatch.config import Settings
from budgetwatch.status import next_runs
from scheduler.jobs import SITE_PREFIX
from storage.db import make_engine, session_factory, upgrade
from storage.models import (
    AlertRow,
    DeliveryRow,
    DisclosureRow,
    Document,
    DocumentVersion,
    FigureRow,
    SiteRunRow,
)

BUDGETWATCH = Path(sys.executable).with_name("budgetwatch")
# Fast and still polite in shape: Scrapy's own settings, set through the config.
FAST_CRAWL = {"autothrottle": False, "download_delay": 0, "download_max_size": 2 * 1024 * 1024}


def write_config(path: Path, database_url: str, sites: dict[str, str], **sections: Any) -> Path:
    """A budgetwatch.yaml for ``sites`` (name → start URL) on ``database_url``; returns its path."""
    config: dict[str, Any] = {
        "database_url": database_url,
        "store_dir": str(path.parent / "files"),
        "crawl": {
            **FAST_CRAWL,
            "sites": [{"name": n, "start_urls": [u]} for n, u in sites.items()],
        },
        "serve": {"timezone": "UTC", "lock_lease_seconds": 10},
    }
    for name, values in sections.items():
        config[name] = {**config.get(name, {}), **values}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something true (returned), or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class BudgetwatchProcess:
    """``budgetwatch ARGS…`` (or ``command``) in a new session, its output in files in ``folder``."""

    def __init__(
        self,
        args: list[str],
        folder: Path,
        name: str,
        env: dict[str, str] | None = None,
        *,
        command: list[str] | None = None,
    ) -> None:
        self.stdout_path, self.stderr_path = folder / f"{name}.out", folder / f"{name}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                command or [str(BUDGETWATCH), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                env={**os.environ, **(env or {})},
            )
        self.pid = self.popen.pid
        started = identity(self.pid)  # our child: its pid is ours until we reap it
        assert started is not None
        self.identity = started

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_stderr(self, text: str, timeout: float) -> None:
        """Wait until ``text`` shows on stderr; fail early if the process ended without it."""

        def seen() -> bool:
            if text in self.stderr:
                return True
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"exited {self.popen.returncode} before {text!r}:\n{self.stderr}"
                )
            return False

        wait_until(seen, timeout, f"{text!r} on stderr")

    def wait(self, timeout: float) -> int:
        """The exit code, waiting up to ``timeout`` seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {timeout} s:\n{self.stderr}") from None

    def terminate(self) -> None:
        """SIGTERM to the process itself, as `docker compose stop` sends it."""
        self.popen.send_signal(signal.SIGTERM)

    def descendants(self) -> list[Identity]:
        """Every live process this one started, at any depth."""
        return descendants(self.identity[0])

    def stop_tree(self) -> None:
        """SIGKILL this process and all its descendants (frozen first, so none escapes)."""
        if self.popen.poll() is not None:
            return  # exited and reaped: its pid may belong to another process by now
        stop_tree([self.identity])
        with suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)


# A process is its pid and its start time: pids are reused, often within a test run.
Identity = tuple[int, int]


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields follow the last ")".
    return stat.rpartition(")")[2].split()


def identity(pid: int) -> Identity | None:
    """``pid`` with its start time (clock ticks since boot), or None if it is gone."""
    fields = _stat(pid)
    return (pid, int(fields[19])) if fields else None


def descendants(pid: int) -> list[Identity]:
    """Every live descendant of ``pid``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields:
            parents[(int(entry.name), int(fields[19]))] = int(fields[1])
    found: list[Identity] = []
    frontier = {pid}
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = {child for child, _ in children}
    return found


def alive(process: Identity) -> bool:
    """Whether ``process`` still runs (not a zombie, and its pid not reused)."""
    fields = _stat(process[0])
    return fields is not None and fields[0] != "Z" and int(fields[19]) == process[1]


def stop_tree(roots: list[Identity]) -> None:
    """Freeze ``roots`` and their descendants until no new one appears, then SIGKILL them all."""
    frozen: set[Identity] = set()
    while True:
        live = [root for root in roots if alive(root)]
        found = {p for root in live for p in [root, *descendants(root[0])]} | frozen
        found = {p for p in found if alive(p)}
        if found <= frozen:
            break
        for pid, _ in found - frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        frozen |= found
    for pid, _ in frozen:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def reaped(processes: list[BudgetwatchProcess]) -> Iterator[list[BudgetwatchProcess]]:
    """Whatever happens in the block, no process of ``processes`` (nor a child) survives it."""
    try:
        yield processes
    finally:
        for process in processes:
            process.stop_tree()


# -- what the database holds ------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentState:
    """One document as stored: its status and how many versions, disclosures and figures."""

    status: str
    versions: int
    disclosures: int
    figures: int


def documents(url: str) -> dict[str, DocumentState]:
    """Per document URL, what is stored for it."""
    factory = session_factory(url)
    try:
        with factory() as session:
            return {
                row.source: _document_state(session, row)
                for row in session.scalars(select(Document))
            }
    finally:
        factory.kw["bind"].dispose()


def _document_state(session: Session, document: Document) -> DocumentState:
    versions = select(DocumentVersion.id).where(DocumentVersion.document_id == document.id)
    disclosures = select(DisclosureRow.id).where(DisclosureRow.document_version_id.in_(versions))
    figures = (
        select(func.count()).select_from(FigureRow).where(FigureRow.disclosure_id.in_(disclosures))
    )
    return DocumentState(
        str(document.status),
        session.scalar(select(func.count()).select_from(versions.subquery())) or 0,
        session.scalar(select(func.count()).select_from(disclosures.subquery())) or 0,
        session.scalar(figures) or 0,
    )


def alerts(url: str) -> list[tuple[Any, ...]]:
    """Every alert's identity (rule, region, department, year, kind, metric), sorted."""
    factory = session_factory(url)
    try:
        with factory() as session:
            rows = session.execute(select(AlertRow.rule, AlertRow.region, AlertRow.department,
                                          AlertRow.year, AlertRow.kind, AlertRow.metric))  # fmt: skip
            return sorted((tuple(row) for row in rows), key=repr)
    finally:
        factory.kw["bind"].dispose()


def site_runs(url: str) -> list[tuple[str, str]]:
    """(site, result) of every crawl run, oldest first (empty before the first migration)."""
    factory = session_factory(url)
    try:
        with factory() as session:
            rows = session.execute(
                select(SiteRunRow.site, SiteRunRow.result).order_by(SiteRunRow.id)
            )
            return [(site, result) for site, result in rows]
    except Exception:  # not migrated yet
        return []
    finally:
        factory.kw["bind"].dispose()


def deliveries(url: str) -> list[tuple[str, str]]:
    """(channel, status) of every delivery."""
    factory = session_factory(url)
    try:
        with factory() as session:
            rows = session.execute(
                select(DeliveryRow.channel, DeliveryRow.status).order_by(DeliveryRow.id)
            )
            return [(channel, status) for channel, status in rows]
    finally:
        factory.kw["bind"].dispose()


# -- the scheduler's job store ----------------------------------------------------------------


def seed_job_store(settings: Settings, due: datetime) -> None:
    """Store the jobs `serve` would, each site's next run at ``due`` (as if it was down since)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.service import sync_jobs

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)},
                                    timezone=UTC)  # fmt: skip
    scheduler.start(paused=True)  # paused: it stores the jobs but runs none
    try:
        sync_jobs(scheduler, settings, set(), datetime.now(UTC))
    finally:
        scheduler.shutdown(wait=False)
    # Set the due times on the store itself: a scheduler (even a stopping one) would run them.
    store = SQLAlchemyJobStore(engine=engine)
    store.start(scheduler, "default")  # only to read the time zone: the scheduler is stopped
    for job in store.get_all_jobs():
        if job.id.startswith(SITE_PREFIX):
            job._modify(next_run_time=due)
            store.update_job(job)
    engine.dispose()


def next_run_times(url: str) -> dict[str, datetime]:
    """Next run time per job id, as the job store holds it."""
    engine = make_engine(url)
    try:
        return next_runs(engine)
    finally:
        engine.dispose()
