"""Turn stage results into the JSON shapes other tools read, and into tables for people."""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from extract.model import Disclosure, Evidence, Figure


def decimal_text(value: Decimal) -> str:
    """Plain decimal string without exponent: Decimal('7.7E+7') -> '77000000'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    """Evidence as JSON, leaving out empty keys."""
    return {key: value for key, value in asdict(evidence).items() if value is not None}


def figure_evidence_json(figure: Figure) -> dict[str, Any]:
    """One figure's evidence with the unit and number as written."""
    data = evidence_json(figure.evidence)
    data["unit"] = figure.unit
    if figure.raw:
        data["raw"] = figure.raw
    return data


def disclosure_json(disclosure: Disclosure) -> dict[str, Any]:
    """The `extract --json` object for one document (shape fixed by issue #3)."""
    return {
        "source": disclosure.source,
        "format": disclosure.format,
        "region": disclosure.region,
        "department": disclosure.department,
        "year": disclosure.year,
        "kind": disclosure.kind,
        "pages": disclosure.pages,
        "figures": {m: decimal_text(f.value) for m, f in sorted(disclosure.figures.items())},
        "evidence": {m: figure_evidence_json(f) for m, f in sorted(disclosure.figures.items())},
        "conflicts": [
            {
                "metric": c.metric,
                "chosen": decimal_text(c.chosen.value),
                "other": decimal_text(c.other.value),
                "chosen_evidence": figure_evidence_json(c.chosen),
                "other_evidence": figure_evidence_json(c.other),
            }
            for c in disclosure.conflicts
        ],
        "targets": [asdict(t) for t in disclosure.targets],
    }


def json_line(data: dict[str, Any]) -> str:
    """One compact JSON line, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
