"""`budgetwatch extract --store`: the database after one, two and a changed run."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

NARRATIVE = (
    "清水县财政局2022年部门预算公开情况说明\n"
    "2022年“三公”经费预算安排18.60万元，其中，因公出国（境）费0万元，"
    "公务用车购置及运维费12万元，公务接待费6.60万元。与2021年相比减少2.40万元。\n"
)


def extract_store(db: Path, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "budgetwatch",
            "extract",
            "--json",
            "--store",
            "--db",
            f"sqlite:///{db}",
        ]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        return {
            table: connection.execute(f"select count(*) from {table}").fetchone()[0]
            for table in ("documents", "document_versions", "disclosures", "figures")
        }


def test_storing_twice_changes_nothing_and_a_changed_file_is_a_new_version(tmp_path: Path) -> None:
    db = tmp_path / "bw.db"
    doc = tmp_path / "budget.txt"
    doc.write_text(NARRATIVE, encoding="utf-8")

    first = extract_store(db, doc)
    assert first.returncode == 0, first.stderr
    figures = json.loads(first.stdout)["figures"]
    assert figures["three_public_total"] == "186000"
    after_first = counts(db)
    assert after_first["documents"] == 1 and after_first["disclosures"] == 1
    assert after_first["figures"] >= len(figures)

    assert extract_store(db, doc).returncode == 0
    assert counts(db) == after_first

    doc.write_text(NARRATIVE.replace("18.60万元", "19.60万元"), encoding="utf-8")
    assert extract_store(db, doc).returncode == 0
    after_change = counts(db)
    assert after_change["documents"] == 1
    assert after_change["document_versions"] == 2
    assert after_change["disclosures"] == 2  # the old version's disclosure is kept


def test_a_failed_file_is_recorded_for_retry(tmp_path: Path) -> None:
    db = tmp_path / "bw.db"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    result = extract_store(db, broken)
    assert result.returncode == 1
    with sqlite3.connect(db) as connection:
        status, error = connection.execute("select status, error from documents").fetchone()
    assert status == "failed"
    assert "broken.pdf" in error
