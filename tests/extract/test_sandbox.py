"""The sandbox: timeouts, memory limits and crashes end as errors for one task, in order."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from extract.sandbox import IsolatedPool, extract_many, run_isolated
from storage.errors import InputError
from tests.extract.sandbox_hooks import behave
from tests.fixtures import documents


@pytest.mark.parametrize("start_method", [None, "forkserver", "spawn"])
def test_results_come_back_in_input_order_from_several_workers(start_method: str | None) -> None:
    tasks = [("sleep", 0.6), ("echo", 1), ("sleep", 0.2), ("echo", 3)]
    with IsolatedPool(2, timeout=30, memory_mb=1024, start_method=start_method) as pool:
        values = [outcome.value for outcome in pool.map(behave, tasks)]
    assert values == [0.6, 1, 0.2, 3]


def test_a_spinning_task_times_out_and_the_batch_goes_on() -> None:
    started = time.monotonic()
    with IsolatedPool(workers=1, timeout=1, memory_mb=1024) as pool:
        outcomes = list(pool.map(behave, [("echo", 1), ("sleep", 60), ("echo", 2)]))
    elapsed = time.monotonic() - started
    assert [o.value for o in outcomes] == [1, None, 2]
    assert outcomes[1].failure == "timeout"
    assert "timed out after 1 s" in (outcomes[1].error or "")
    assert elapsed < 20, f"the hung task held the batch for {elapsed:.1f} s"


def test_a_killed_worker_leaves_no_temporary_files() -> None:
    with IsolatedPool(workers=1, timeout=1, memory_mb=1024) as pool:
        outcomes = list(pool.map(behave, [("tempfile", 0), ("sleep", 30)]))
        leftover = Path(outcomes[0].value)
        assert outcomes[1].failure == "timeout"
        assert "budgetwatch-worker-" in str(leftover)
        assert not leftover.exists(), "the killed worker's scratch directory must be removed"


def test_a_task_over_the_memory_limit_fails_alone() -> None:
    with IsolatedPool(workers=1, timeout=30, memory_mb=512) as pool:
        outcomes = list(pool.map(behave, [("allocate", 2048), ("echo", 7)]))
    assert outcomes[0].failure == "memory", outcomes[0]
    assert "out of memory (limit 512 MB)" in (outcomes[0].error or "")
    assert outcomes[1].value == 7


def test_a_killed_worker_is_replaced() -> None:
    with IsolatedPool(workers=1, timeout=30, memory_mb=1024) as pool:
        outcomes = list(pool.map(behave, [("pid", 0), ("kill", 0), ("pid", 0), ("pid", 0)]))
    assert outcomes[1].failure == "crash"
    assert "killed by signal 9" in (outcomes[1].error or "")
    first, _, replaced, reused = (o.value for o in outcomes)
    assert replaced != first, "a new worker must replace the killed one"
    assert reused == replaced, "a healthy worker must be reused, not restarted per task"


def test_errors_raised_by_the_task_are_reported_with_their_kind() -> None:
    with IsolatedPool(workers=1, timeout=30, memory_mb=1024) as pool:
        outcomes = list(pool.map(behave, [("input", 3), ("nonsense", 0)]))
    assert (outcomes[0].failure, outcomes[0].error) == (
        "input",
        "bad.pdf: page 3: cannot read text",
    )
    assert outcomes[1].failure == "bug"
    assert "ValueError: unknown action 'nonsense'" in (outcomes[1].error or "")


def test_run_isolated_returns_the_value_or_raises_input_error() -> None:
    assert run_isolated(behave, ("echo", 5), timeout=30, memory_mb=1024) == 5
    with pytest.raises(InputError, match="timed out after 0.5 s"):
        run_isolated(behave, ("sleep", 30), timeout=0.5, memory_mb=1024)


def test_extract_many_isolates_bad_files_and_keeps_order(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("\n".join((documents.TITLE, *documents.NARRATIVE)), encoding="utf-8")
    bomb = documents.write_zip_bomb(tmp_path / "bomb.zip")
    html = documents.write_html(tmp_path / "page.html")
    items = [(good, "a"), (bomb, "b"), (tmp_path / "missing.pdf", "c"), (html, "d")]
    results = list(extract_many(items, workers=2, timeout=60))
    assert [r.source for r in results] == ["a", "b", "c", "d"]
    assert [r.error is None for r in results] == [True, False, False, True], results
    assert "zip bomb" in (results[1].error or "")
    assert "cannot read file" in (results[2].error or "")
    assert results[0].disclosure is not None and results[0].disclosure.format == "txt"
    assert results[3].disclosure is not None and results[3].disclosure.format == "html"
