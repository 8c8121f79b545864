"""`budgetwatch crawl`, `documents list` and `disclosures list` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.sample_portal.portal import SamplePortal

DOCUMENT_KEYS = {"url", "title", "sha256", "content_type", "size", "first_seen", "last_seen",
                 "versions", "status", "error"}  # fmt: skip
DISCLOSURE_KEYS = {"region", "department", "year", "kind", "source_url", "figures"}


@pytest.fixture
def portal() -> Iterator[SamplePortal]:
    with SamplePortal() as served:
        yield served


def budgetwatch(args: list[str], tmp_path: Path, delay: str = "0") -> subprocess.Popen[str]:
    """Start the installed CLI with a fast, test-only crawl configuration from the environment."""
    env = {
        **os.environ,
        "BUDGETWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bw.db'}",
        "BUDGETWATCH_STORE_DIR": str(tmp_path / "files"),
        "BUDGETWATCH_CRAWL__AUTOTHROTTLE": "false",
        "BUDGETWATCH_CRAWL__DOWNLOAD_DELAY": delay,
        "BUDGETWATCH_CRAWL__DOWNLOAD_MAX_SIZE": str(2 * 1024 * 1024),
    }
    command = [sys.executable, "-c", "from budgetwatch.cli import main; main()", *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run(args: list[str], tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    """Run the CLI to the end; its exit code and its JSON lines."""
    process = budgetwatch(args, tmp_path)
    out, err = process.communicate(timeout=120)
    return process.returncode, [json.loads(line) for line in out.splitlines() if line.strip()]


def crawl_args(portal: SamplePortal) -> list[str]:
    return ["crawl", "--json", *(f"--start-url={url}" for url in portal.county_urls.values())]


def test_sigterm_stops_cleanly_and_a_rerun_leaves_no_duplicates(
    portal: SamplePortal, tmp_path: Path
) -> None:
    process = budgetwatch(crawl_args(portal), tmp_path, delay="0.05")
    portal.wait_for(lambda log: len(log) >= 30, timeout=60)
    process.send_signal(signal.SIGTERM)
    out, _err = process.communicate(timeout=60)
    assert process.returncode == 130
    interrupted = json.loads(out)
    assert interrupted["finished"] is False and interrupted["finish_reason"] == "shutdown"
    stopped_at = len(portal.requests)

    code, [summary] = run(crawl_args(portal), tmp_path)
    assert code == 0 and summary["finished"] is True
    assert len(portal.requests) > stopped_at
    code, documents = run(["documents", "list", "--json"], tmp_path)
    fetched = [d for d in documents if d["status"] == "ok"]
    assert len(fetched) > interrupted["documents"]["new"]
    assert len({d["url"] for d in documents}) == len(documents)
    assert {d["versions"] for d in fetched} == {1}
    stored = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert len(stored) == len({d["sha256"] for d in fetched})
    code, disclosures = run(["disclosures", "list", "--json"], tmp_path)
    # Documents stored before the stop were extracted too; only the unreadable PDF has none.
    unreadable = [d for d in fetched if (d["error"] or "").startswith("extraction failed")]
    assert len(unreadable) == 1
    assert len(disclosures) == len(fetched) - 1


def test_json_lines_have_the_documented_shapes(portal: SamplePortal, tmp_path: Path) -> None:
    code, [summary] = run(crawl_args(portal), tmp_path)
    assert code == 0
    assert set(summary) >= {"pages", "items", "documents", "blocked_sites", "finished"}
    assert set(summary["documents"]) == {"new", "changed", "unchanged", "failed"}
    code, documents = run(["documents", "list", "--json"], tmp_path)
    assert code == 0 and documents and all(set(d) == DOCUMENT_KEYS for d in documents)
    code, disclosures = run(["disclosures", "list", "--json"], tmp_path)
    assert code == 0 and disclosures and all(set(d) == DISCLOSURE_KEYS for d in disclosures)
    assert any(d["figures"].get("three_public_total") for d in disclosures)


def test_crawl_without_a_target_exits_2(tmp_path: Path) -> None:
    process = budgetwatch(["crawl"], tmp_path)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "nothing to crawl" in err
