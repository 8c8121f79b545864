"""The command line as a user meets it: a real process, exit codes, one-line errors, JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLE = (
    "清水县财政局2022年部门预算公开情况说明\n"
    "2022年“三公”经费预算安排18.60万元，其中，因公出国（境）费0万元，公务接待费6.60万元。\n"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "budgetwatch", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_extract_json_prints_one_line_per_file_and_goes_on_after_a_failure(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SAMPLE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run("extract", "--json", str(empty), str(good))
    assert result.returncode == 1, result.stderr  # one file failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(empty), str(good)]
    assert "empty" in lines[0]["error"] and str(empty) in lines[0]["error"]
    assert set(lines[1]) >= {
        "source",
        "region",
        "department",
        "year",
        "kind",
        "figures",
        "evidence",
        "targets",
    }
    assert all(isinstance(value, str) for value in lines[1]["figures"].values())


def test_extract_all_good_exits_zero(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(SAMPLE, encoding="utf-8")
    result = run("extract", "--json", str(good))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bw.yaml"
    config.write_text("extract:\n  wokers: 2\n", encoding="utf-8")
    result = run("config", "check", "--config", str(config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "extract.wokers" in result.stderr
    assert result.stderr.startswith("error: ")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bw.yaml"
    config.write_text("extract:\n  wokers: 2\n", encoding="utf-8")
    result = run("config", "check", "--debug", "--config", str(config))
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_config_check_never_prints_the_database_password(tmp_path: Path) -> None:
    config = tmp_path / "bw.yaml"
    config.write_text(
        "database_url: postgresql+psycopg://bw:${PGPASS}@db:5432/bw\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "budgetwatch", "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PGPASS": "hunter2-secret", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "hunter2-secret" not in result.stdout + result.stderr
    assert "db:5432" in result.stdout


def test_unknown_command_exits_non_zero() -> None:
    result = run("no-such-command")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_config_show_lists_values_in_force_with_the_password_masked(tmp_path: Path) -> None:
    config = tmp_path / "bw.yaml"
    config.write_text(
        "database_url: postgresql+psycopg://bw:topsecret@db:5432/bw\nextract:\n  workers: 3\n",
        encoding="utf-8",
    )
    result = run("config", "show", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "topsecret" not in result.stdout
    workers = next(line for line in result.stdout.splitlines() if line.startswith("extract.workers"))
    assert workers.split()[1] == "3" and "(default 1)" in workers
