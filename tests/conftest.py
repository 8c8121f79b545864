"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# The shared corpus sits beside the project in development and in CI; the
# suite must also pass without it, so tests that read it ask for this fixture.
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "gold.jsonl").exists():
        pytest.skip("../shared/corpus is not present (it is beside the project in CI)")
    return SHARED_CORPUS
