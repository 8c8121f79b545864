"""Hand-labelled county disclosures in styles the development corpus is thin on.

Each fixture under ``tests/fixtures/variety/`` was written and labelled (per
``metrics.md``) before the parser was run on it: 部门/单位 预算 and 决算 from a
dozen provinces, 万元 / 元 / 千元 / 亿元, flattened web tables, decoys (年初预算
beside 决算数, prior-year amounts, 本年收入合计 beside 总计, economic-class
lines).  A wrong value is a failure as much as a missing one.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extract import extract_file
from tests.conftest import FIXTURES

VARIETY = FIXTURES / "variety"
LABELS = [
    json.loads(line)
    for line in (VARIETY / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def _document(label: dict[str, Any]) -> Path:
    return next(VARIETY.glob(f"{label['id']}.*"))


def _squash(text: object) -> str:
    return "".join(str(text or "").split())


def test_labels_cover_a_varied_set() -> None:
    kinds = {label["kind"] for label in LABELS}
    assert len(LABELS) >= 25 and kinds == {"budget", "final"}
    assert all(_document(label).suffix in (".txt", ".html") for label in LABELS)


@pytest.mark.parametrize("label", LABELS, ids=[label["id"] for label in LABELS])
def test_variety_document_figures(label: dict[str, Any]) -> None:
    disclosure = extract_file(_document(label))
    got = {metric: figure.value for metric, figure in disclosure.figures.items()}
    wrong = []
    missed = []
    for metric, value in label["figures"].items():
        if metric not in got:
            missed.append(f"{metric}={value}")
        elif got[metric] != Decimal(str(value)):
            wrong.append(f"{metric}={got[metric]} (label {value})")
    assert not wrong and not missed, f"{label['id']}: wrong {wrong}; missed {missed}"


@pytest.mark.parametrize("label", LABELS, ids=[label["id"] for label in LABELS])
def test_variety_document_fields(label: dict[str, Any]) -> None:
    disclosure = extract_file(_document(label))
    assert disclosure.year == label["year"]
    assert disclosure.kind == label["kind"]
    # Names match loosely, as the shared evaluation does: 綦江区 within 重庆市綦江区.
    for name, want in (("region", label["region"]), ("department", label["department"])):
        have = _squash(getattr(disclosure, name))
        assert have and (_squash(want) in have or have in _squash(want)), (name, have, want)
