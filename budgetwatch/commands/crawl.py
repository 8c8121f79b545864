"""`budgetwatch crawl`, `documents list` and `disclosures list`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from budgetwatch import render
from budgetwatch.options import common_options, open_database, settings_from

EXIT_INTERRUPTED = 130  # the crawl was stopped (SIGTERM / Ctrl-C) before it finished


@click.command("crawl")
@common_options
@click.option("--start-url", "start_urls", multiple=True, help="Home or 预决算 column page (repeatable).")
@click.option("--site", help="A site named in crawl.sites or a profile in crawler/sites/.")
@click.option("--store-dir", type=click.Path(file_okay=False, path_type=Path), help="Where downloaded files go.")
@click.option("--max-pages", type=click.IntRange(1), help="Stop after this many responses.")
@click.option("--json", "as_json", is_flag=True, help="Print one summary object at the end.")
def crawl_command(
    db_url: str | None,
    config_file: Path | None,
    debug: bool,
    start_urls: tuple[str, ...],
    site: str | None,
    store_dir: Path | None,
    max_pages: int | None,
    as_json: bool,
) -> None:
    """Crawl county portals for budget disclosures, store the documents and extract them."""
    from budgetwatch import crawling

    settings = settings_from(config_file, db_url)
    job = crawling.crawl_job(
        settings, start_urls, site, store_dir, max_pages, log_level="DEBUG" if debug else "WARNING"
    )

    def show(progress: crawling.CrawlProgress) -> None:
        click.echo(crawling.progress_line(progress), err=True)

    summary = crawling.crawl(job, None if as_json else show)
    if as_json:
        click.echo(render.json_line(crawling.summary_json(summary)))
    else:
        blocked = "".join(f"\nblocked: {site} ({why})" for site, why in summary.blocked_sites.items())
        click.echo(f"{summary.finish_reason}: {crawling.progress_line(summary.progress)}{blocked}")
    if not summary.finished:
        sys.exit(EXIT_INTERRUPTED)


@click.group("documents")
def documents_group() -> None:
    """Documents the crawler fetched."""


@documents_group.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def documents_list(db_url: str | None, config_file: Path | None, debug: bool, as_json: bool) -> None:
    """List every document with its digest, versions and status."""
    from budgetwatch.crawling import document_rows

    rows = document_rows(open_database(settings_from(config_file, db_url).database_url))
    for row in rows:
        if as_json:
            click.echo(render.json_line(row))
        else:
            click.echo(f"{row['status']:8} v{row['versions']} {row['url']}  {row['title'] or ''}")


@click.group("disclosures")
def disclosures_group() -> None:
    """Disclosures extracted from the documents."""


@disclosures_group.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per disclosure.")
def disclosures_list(db_url: str | None, config_file: Path | None, debug: bool, as_json: bool) -> None:
    """List the current disclosures with their figures in yuan."""
    from budgetwatch.crawling import disclosure_rows

    rows = disclosure_rows(open_database(settings_from(config_file, db_url).database_url))
    for row in rows:
        if as_json:
            click.echo(render.json_line(row))
        else:
            names = f"{row['region'] or ''} {row['department'] or ''} {row['year'] or ''} {row['kind'] or ''}"
            click.echo(f"{names.strip()}  {len(row['figures'])} figures  {row['source_url']}")
