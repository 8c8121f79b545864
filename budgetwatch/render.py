"""Turn stage results into the JSON shapes other tools read, and into tables for people."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url

from extract.model import Disclosure, Evidence, Figure
from storage.metrics import COUNT_METRICS, label

if TYPE_CHECKING:
    from extract.sandbox import ExtractResult


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
        "warnings": list(disclosure.warnings),
        "notes": [asdict(note) for note in disclosure.notes],
    }


def json_line(data: dict[str, Any]) -> str:
    """One compact JSON line, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def result_json(result: ExtractResult) -> dict[str, Any]:
    """A successful extraction as its disclosure object, a failure as {source, error}."""
    if result.disclosure is None:
        return {"source": result.source, "error": result.error}
    return disclosure_json(result.disclosure)


def safe_url(url: str) -> str:
    """A database URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown without its credentials part
        return url.rsplit("@", 1)[-1]


def yuan_text(value: Decimal, metric: str) -> str:
    """Money with thousands separators and 元; counts as plain integers."""
    if metric in COUNT_METRICS:
        return f"{value:,.0f}"
    return f"{value:,.2f} 元"


def print_results(results: list[ExtractResult], console: Console | None = None) -> None:
    """A readable table per document for people (stdout)."""
    console = console or Console()
    for result in results:
        disclosure = result.disclosure
        if disclosure is None:
            # Errors already name the file (and page or member) they are about.
            console.print(f"[bold red]✗[/] {escape(result.error or result.source)}")
            continue
        heading = " ".join(
            str(part)
            for part in (disclosure.region, disclosure.department, disclosure.year, disclosure.kind)
            if part
        )
        table = Table(title=f"{disclosure.source} — {heading or '(fields not found)'}", title_justify="left")
        table.add_column("metric", no_wrap=True, min_width=22)
        table.add_column("名称", no_wrap=True, max_width=20, overflow="ellipsis")
        table.add_column("value", justify="right", no_wrap=True, min_width=18)
        table.add_column("evidence", no_wrap=True, overflow="ellipsis")
        for metric, figure in sorted(disclosure.figures.items()):
            evidence = escape(short(figure.evidence.text, 30))
            table.add_row(metric, label(metric), yuan_text(figure.value, metric), evidence)
        console.print(table)
        extras = []
        if disclosure.targets:
            extras.append(f"{len(disclosure.targets)} performance targets")
        if disclosure.conflicts:
            extras.append(f"{len(disclosure.conflicts)} narrative/table conflicts")
        if extras:
            console.print("  " + "; ".join(extras))


def short(text: str, limit: int = 80) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@contextmanager
def progress(total: int, what: str, enabled: bool = True) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for long runs; yields the function that advances it."""
    console = Console(stderr=True)
    if not enabled or total < 2 or not console.is_terminal:
        yield lambda: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda: bar.advance(task)
