"""Extraction in worker processes: a wall-clock timeout and a memory cap per file.

A PDF that makes the parser spin, a decompression bomb or a crash in a C
library ends as an error for that one file; the batch goes on.  Workers are
reused across files (start-up and jieba's dictionary are paid once per
worker) and replaced only after a timeout, a crash or running out of memory.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Literal

from extract.model import Disclosure
from storage.errors import BudgetwatchError, InputError

Failure = Literal["input", "bug", "memory", "timeout", "crash"]


@dataclass(frozen=True)
class ExtractResult:
    """The outcome of extracting one file: a Disclosure or an error message."""

    source: str
    disclosure: Disclosure | None
    error: str | None
    seconds: float


@dataclass(frozen=True)
class Outcome:
    """The outcome of one isolated call: its value, or why it failed."""

    value: Any
    error: str | None = None
    failure: Failure | None = None
    seconds: float = 0.0


def pool_context(start_method: str | None = None) -> BaseContext:
    """How to start workers: fork when safe (no start-up cost), else a preloaded fork server."""
    methods = multiprocessing.get_all_start_methods()
    if start_method is None:
        # Forking a process that runs other threads can copy a held lock into the
        # child; a single-threaded parent (the CLI) forks safely and in milliseconds.
        single = threading.active_count() == 1
        start_method = "fork" if single and "fork" in methods else "forkserver"
    if start_method == "forkserver" and "forkserver" not in methods:
        start_method = "spawn"
    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        # The server imports extract once; each worker forks from it already loaded.
        context.set_forkserver_preload(["extract"])
    return context


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space so a runaway allocation fails instead of swapping."""
    limit = memory_mb << 20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def call(func: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> tuple[str, Any]:
    """Run one task in the worker; return a (kind, value or message) reply."""
    try:
        return "ok", func(*args)
    except MemoryError:
        return "memory", f"out of memory (limit {memory_mb} MB)"
    except BudgetwatchError as exc:
        return "input", str(exc)
    except Exception as exc:  # a parser bug on one file must not stop the batch
        return "bug", f"{type(exc).__name__}: {exc}"


def worker_main(conn: Connection, memory_mb: int, scratch: str) -> None:
    """Serve tasks from the pipe until told to stop or the parent goes away."""
    limit_memory(memory_mb)
    # Temporary files (extracted zip members, LibreOffice output) go where the
    # parent can delete them even if this worker is killed mid-task.
    tempfile.tempdir = scratch
    os.environ["TMPDIR"] = scratch
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        func, args = task
        kind, value = call(func, args, memory_mb)
        try:
            conn.send((kind, value))
        except MemoryError:
            conn.send(("memory", f"out of memory sending the result (limit {memory_mb} MB)"))
        except Exception as exc:  # e.g. a result that cannot be pickled
            conn.send(("bug", f"cannot return the result ({type(exc).__name__}: {exc})"))
        if kind == "memory":
            return  # after MemoryError the heap may be in any state: start afresh


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: BaseContext, memory_mb: int) -> None:
        self.conn, child = context.Pipe()
        self.scratch = tempfile.mkdtemp(prefix="budgetwatch-worker-")
        self.process = context.Process(  # type: ignore[attr-defined]
            target=worker_main, args=(child, memory_mb, self.scratch), daemon=True
        )
        self.process.start()
        child.close()
        self.task: tuple[int, float] | None = None  # (input index, start time) while busy

    def stop(self) -> None:
        """Ask an idle worker to exit; kill it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=2)
        self.kill()

    def kill(self) -> None:
        """End the worker now."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def death(self) -> str:
        """Why the worker's pipe closed: its exit code or signal."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            return f"worker process was killed by signal {-code} (crash or out of memory)"
        return f"worker process exited unexpectedly (exit code {code})"


class IsolatedPool:
    """A pool of reusable worker processes; results come back in input order."""

    def __init__(
        self,
        workers: int = 1,
        timeout: float = 120,
        memory_mb: int = 1536,
        start_method: str | None = None,
    ) -> None:
        self.size = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.context = pool_context(start_method)
        self.idle: list[Worker] = []
        self.busy: list[Worker] = []

    def __enter__(self) -> IsolatedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop idle workers and kill busy ones."""
        for worker in self.idle:
            worker.stop()
        for worker in self.busy:
            worker.kill()
        self.idle, self.busy = [], []

    def map(
        self, func: Callable[..., Any], arguments: Iterable[tuple[Any, ...]]
    ) -> Iterator[Outcome]:
        """Call func(*args) for each args in a worker; yield Outcomes in input order."""
        pending = deque(enumerate(arguments))
        done: dict[int, Outcome] = {}
        next_index = 0
        while pending or self.busy or next_index in done:
            while pending and (self.idle or len(self.busy) < self.size):
                self.dispatch(func, *pending.popleft())
            while next_index in done:
                yield done.pop(next_index)
                next_index += 1
            if self.busy:
                done.update(self.collect())

    def dispatch(self, func: Callable[..., Any], index: int, args: tuple[Any, ...]) -> None:
        """Send one task to an idle worker, starting one if needed."""
        worker = self.idle.pop() if self.idle else Worker(self.context, self.memory_mb)
        worker.conn.send((func, args))
        worker.task = (index, time.monotonic())
        self.busy.append(worker)

    def collect(self) -> dict[int, Outcome]:
        """Wait for replies or the first deadline; return the finished tasks' Outcomes."""
        deadline = min(w.task[1] for w in self.busy if w.task) + self.timeout
        ready = wait([w.conn for w in self.busy], timeout=max(0.0, deadline - time.monotonic()))
        finished: dict[int, Outcome] = {}
        now = time.monotonic()
        for worker in list(self.busy):
            assert worker.task is not None
            index, started = worker.task
            if worker.conn in ready:
                finished[index] = self.receive(worker, now - started)
            elif now - started >= self.timeout:
                self.retire(worker)
                message = f"timed out after {self.timeout:g} s (worker killed)"
                finished[index] = Outcome(None, message, "timeout", now - started)
        return finished

    def receive(self, worker: Worker, seconds: float) -> Outcome:
        """Read a worker's reply; a closed pipe means the worker died."""
        try:
            kind, value = worker.conn.recv()
        except (EOFError, OSError):
            self.retire(worker)
            return Outcome(None, worker.death(), "crash", seconds)
        self.busy.remove(worker)
        worker.task = None
        if kind == "memory":
            worker.kill()  # it exits by itself after MemoryError; reap it
        else:
            self.idle.append(worker)
        if kind == "ok":
            return Outcome(value, None, None, seconds)
        return Outcome(None, value, kind, seconds)

    def retire(self, worker: Worker) -> None:
        """Kill a busy worker that timed out or died; a new one starts when needed."""
        self.busy.remove(worker)
        worker.kill()


def run_isolated(
    func: Callable[..., Any], args: tuple[Any, ...], timeout: float = 120, memory_mb: int = 1536
) -> Any:
    """Call func(*args) in a fresh worker process; raise InputError if it fails, hangs or dies."""
    with IsolatedPool(1, timeout, memory_mb) as pool:
        outcome = next(pool.map(func, [args]))
    if outcome.error is not None:
        raise InputError(outcome.error)
    return outcome.value


def extract_one(path: Path, source: str) -> Disclosure:
    """The task each worker runs for one file."""
    from extract import extract_file

    return extract_file(path, source)


def extract_many(
    items: Sequence[tuple[Path, str]], workers: int = 1, timeout: float = 120, memory_mb: int = 1536
) -> Iterator[ExtractResult]:
    """Extract each (path, source) in an isolated worker; yield results in input order."""
    with IsolatedPool(workers, timeout, memory_mb) as pool:
        tasks = [(Path(path), source) for path, source in items]
        for (_path, source), outcome in zip(tasks, pool.map(extract_one, tasks), strict=True):
            error = outcome.error
            # InputError messages already name the file; the others need it.
            if error is not None and outcome.failure != "input":
                error = f"{source}: {error}"
            yield ExtractResult(source, outcome.value, error, outcome.seconds)
