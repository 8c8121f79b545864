"""`budgetwatch extract`: figures from disclosure files, optionally stored."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from budgetwatch import render
from budgetwatch.options import EXIT_FAILED_ITEMS, common_options, open_database, settings_from


@click.command("extract")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
@click.option("--store", is_flag=True, help="Write documents, disclosures and figures to the database.")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default from config).")
@click.argument("paths", nargs=-1, required=True)
def extract_command(
    db_url: str | None,
    config_file: Path | None,
    debug: bool,
    as_json: bool,
    store: bool,
    workers: int | None,
    paths: tuple[str, ...],
) -> None:
    """Extract canonical figures from disclosure files (txt, html, pdf, doc(x), xls(x), zip)."""
    from budgetwatch.extraction import ExtractOptions, expand_inputs, run_extraction, store_result

    settings = settings_from(config_file, db_url)
    items = expand_inputs(paths)
    options = ExtractOptions(
        workers=workers or settings.extract.workers,
        timeout_seconds=settings.extract.timeout_seconds,
        memory_mb=settings.extract.memory_mb,
    )
    factory = open_database(settings.database_url) if store else None
    failed = 0
    results = []
    with render.progress(len(items), "extracting", enabled=not as_json) as advance:
        for (path, _), result in zip(items, run_extraction(items, options), strict=True):
            if factory is not None:
                store_result(factory, path, result)
            if result.error is not None:
                failed += 1
            if as_json:
                click.echo(render.json_line(render.result_json(result)))
            else:
                results.append(result)
            advance()
    if not as_json:
        render.print_results(results)
    if failed:
        sys.exit(EXIT_FAILED_ITEMS)
