"""Benchmark the monitor at national scale: a full pass, then an incremental one.

Generates counties x 50 departments x 3 years of budget figures (2,800 counties
and 8 metrics make 3.36 M figures) with bulk inserts (executemany on SQLite,
COPY on PostgreSQL), then times ``monitor.evaluate`` with ``full=True`` and,
after one new county-year arrives, incrementally.  Goals: a full pass of at
least 1 M figures per minute, an incremental pass under 2 s.

    .venv/bin/python bench/monitor.py --scale 0.1
    .venv/bin/python bench/monitor.py --postgres-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and would shadow the
# monitor package with this very module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import Engine, text  # noqa: E402

import monitor  # noqa: E402
from budgetwatch.config import MonitorSettings  # noqa: E402
from storage.db import make_engine, normalize_url, session_factory, upgrade  # noqa: E402

COUNTIES = 2_800
DEPARTMENTS = 50
YEARS = (2021, 2022, 2023)
NOW = datetime(2024, 1, 15, tzinfo=UTC)
SEEN = NOW - timedelta(days=60)
FULL_GOAL_PER_MINUTE = 1_000_000
INCREMENTAL_GOAL_SECONDS = 2.0


def department_figures(base: int, share: int, year: int) -> dict[str, int]:
    """Consistent figures of one department-year in whole yuan (8 metrics), growing ~3 % a year."""
    total = base * (103 ** (year - YEARS[0])) // (100 ** (year - YEARS[0])) // 100 * 100
    basic = total * 3 // 10
    personnel = basic * 85 // 100
    three = share - (year - YEARS[0]) * 500  # 三公 only falls
    reception = three // 5
    return {
        "revenue_total": total,
        "expenditure_total": total,
        "expenditure_basic": basic,
        "expenditure_project": total - basic,
        "expenditure_personnel": personnel,
        "expenditure_public": basic - personnel,
        "three_public_total": three,
        "three_public_reception": reception,
    }


def rows(counties: range, years: tuple[int, ...], first_id: int) -> Iterator[tuple[Any, ...]]:
    """(id, region, department, year, metrics) for every disclosure to generate."""
    next_id = first_id
    for county in counties:
        rng = random.Random(county)
        for department in range(DEPARTMENTS):
            base, share = rng.randrange(2_000_000, 50_000_000), 30_000 + rng.randrange(0, 2_000)
            for year in years:
                yield (
                    next_id,
                    f"县{county:04d}",
                    f"县{county:04d}部门{department:02d}",
                    year,
                    department_figures(base, base * share // 10_000_000, year),
                )
                next_id += 1


def stamp(dialect: str) -> str:
    """The fetch time as each database stores it (SQLite keeps naive UTC text)."""
    return "2023-11-16 00:00:00.000000" if dialect == "sqlite" else "2023-11-16 00:00:00+00"


def tables(dialect: str, batch: list[tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of documents, versions, disclosures and figures for a batch of disclosures."""
    when, yes, no = (
        stamp(dialect),
        (1 if dialect == "sqlite" else "t"),
        (0 if dialect == "sqlite" else "f"),
    )
    out: dict[str, list[tuple[Any, ...]]] = {
        "documents": [],
        "document_versions": [],
        "disclosures": [],
        "figures": [],
    }
    for ident, region, department, year, figures in batch:
        sha = hashlib.sha256(f"{ident}".encode()).hexdigest()
        out["documents"].append(
            (ident, f"http://{region}.gov.cn/{ident}.pdf", sha, when, when, "ok", 0)
        )
        out["document_versions"].append((ident, ident, sha, 1000, when))
        out["disclosures"].append(
            (ident, ident, region, department, year, "budget", "pdf", 10, when)
        )
        for offset, (metric, value) in enumerate(figures.items()):
            stored = value * 100 if dialect == "sqlite" else value
            out["figures"].append(
                (
                    ident * 10 + offset,
                    ident,
                    metric,
                    stored,
                    "元",
                    str(value),
                    f"{metric} {value}",
                    3,
                    "table",
                    f"{year}年部门收支总表",
                    yes,
                    no,
                )
            )
    return out


COLUMNS = {
    "documents": "id, source, sha256, first_seen, last_seen, status, failures",
    "document_versions": "id, document_id, sha256, size, fetched_at",
    "disclosures": "id, document_version_id, region, department, year, kind, format, pages, extracted_at",
    "figures": "id, disclosure_id, metric, value, unit, raw, evidence_text, page, origin, table_title, "
    "chosen, conflict",
}


def insert(engine: Engine, data: dict[str, list[tuple[Any, ...]]]) -> None:
    """Bulk-insert generated rows: executemany on SQLite, COPY on PostgreSQL."""
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        for table, values in data.items():
            if engine.dialect.name == "sqlite":
                marks = ", ".join("?" * len(values[0]))
                cursor.executemany(
                    f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", values
                )
            else:
                with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)


def generate(engine: Engine, counties: int) -> int:
    """Fill the database; return the number of figures."""
    batch: list[tuple[Any, ...]] = []
    count = 0
    for row in rows(range(counties), YEARS, 1):
        batch.append(row)
        if len(batch) == 5_000:
            count += flush(engine, batch)
    count += flush(engine, batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return count


def flush(engine: Engine, batch: list[tuple[Any, ...]]) -> int:
    """Insert a batch and empty it; return its figure count."""
    if not batch:
        return 0
    data = tables(engine.dialect.name, batch)
    insert(engine, data)
    batch.clear()
    return len(data["figures"])


def timed_pass(engine: Engine, *, full: bool) -> tuple[float, int]:
    """Seconds of one committed monitor pass, and the alerts it raised."""
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory.begin() as session:
        report = monitor.evaluate(session, now=NOW, settings=MonitorSettings(), full=full)
    return time.perf_counter() - started, len(report.new) + len(report.changed)


def run(url: str, counties: int) -> None:
    """Generate, then time a full and an incremental pass on ``url``."""
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    figures = generate(engine, counties)
    print(
        f"[{engine.dialect.name}] generated {figures:,} figures in {time.perf_counter() - started:.1f} s"
    )
    seconds, alerts = timed_pass(engine, full=True)
    rate = figures / seconds * 60
    verdict = "ok" if rate >= FULL_GOAL_PER_MINUTE else "BELOW GOAL"
    print(
        f"[{engine.dialect.name}] full pass: {seconds:.2f} s, {rate:,.0f} figures/min "
        f"(goal >= {FULL_GOAL_PER_MINUTE:,}: {verdict}), {alerts} alerts"
    )
    new_id = counties * DEPARTMENTS * len(YEARS) + 1
    insert(
        engine,
        tables(engine.dialect.name, list(rows(range(counties - 1, counties), (2024,), new_id))),
    )
    seconds, alerts = timed_pass(engine, full=False)
    verdict = "ok" if seconds < INCREMENTAL_GOAL_SECONDS else "ABOVE GOAL"
    print(
        f"[{engine.dialect.name}] incremental pass after one new county-year: {seconds:.2f} s "
        f"(goal < {INCREMENTAL_GOAL_SECONDS} s: {verdict}), {alerts} alerts"
    )
    engine.dispose()


def postgres_schema_url(url: str) -> tuple[str, str]:
    """A URL whose connections use a fresh schema, and that schema's name."""
    schema = f"budgetwatch_bench_{uuid.uuid4().hex[:8]}"
    with make_engine(url).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = normalize_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), schema


def main() -> None:
    """Parse arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 2,800 counties")
    parser.add_argument("--postgres-url", help="also run on this PostgreSQL (own schema, dropped)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    counties = max(2, round(COUNTIES * args.scale))
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'bench.db'}", counties)
    if args.postgres_url:
        url, schema = postgres_schema_url(args.postgres_url)
        try:
            run(url, counties)
        finally:
            with make_engine(args.postgres_url).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
