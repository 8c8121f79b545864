"""An APScheduler executor that hands due jobs to the main thread.

The scheduler's thread decides *when*; the main thread runs the cycle, so
that signals reach the crawl's stop relay (a SIGTERM stops the crawl child
cleanly) and only one cycle runs at a time.
"""

from __future__ import annotations

import queue
import sys
from datetime import datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor, run_job

_WAKE = None  # a queue item that only wakes the main loop


class MainThreadExecutor(BaseExecutor):
    """Queues submitted jobs; ``run_next`` runs one in the calling thread."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: queue.Queue[tuple[Any, list[datetime]] | None] = queue.Queue()
        self.running: tuple[str, datetime] | None = None  # job id, the run time it serves

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        self.queue.put((job, run_times))

    def wake(self) -> None:
        """Make a waiting ``run_next`` return."""
        self.queue.put(_WAKE)

    def run_next(self, timeout: float | None) -> bool:
        """Run the next due job (waiting up to ``timeout``); False if none came."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return False
        if item is None:
            return False
        job, run_times = item
        self.running = (job.id, run_times[-1])
        try:
            events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
        except BaseException:
            self._run_job_error(job.id, *sys.exc_info()[1:])
        else:
            self._run_job_success(job.id, events)
        finally:
            self.running = None
        return True

    def drain(self) -> list[tuple[str, datetime]]:
        """Take the jobs submitted but not run (job id, run time), e.g. at shutdown."""
        left: list[tuple[str, datetime]] = []
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return left
            if item is not None:
                job, run_times = item
                left.append((job.id, run_times[-1]))
                self._run_job_success(job.id, [])  # frees its max_instances slot
