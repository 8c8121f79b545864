"""The `budgetwatch` command line (temporary minimal version, replaced below)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from budgetwatch.render import disclosure_json, json_line


@click.group()
def main() -> None:
    """budgetwatch: watch Chinese government budget disclosures."""


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.argument("paths", nargs=-1, required=True)
def extract(as_json: bool, paths: tuple[str, ...]) -> None:
    """Extract figures from disclosure files."""
    from extract import extract_file

    failed = False
    for raw in paths:
        try:
            click.echo(json_line(disclosure_json(extract_file(Path(raw), raw))))
        except Exception as exc:  # noqa: BLE001
            failed = True
            click.echo(json_line({"source": raw, "error": str(exc)}))
    sys.exit(1 if failed else 0)
