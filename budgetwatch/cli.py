"""The `budgetwatch` command line: one entry point for every stage.

Each stage's commands live in ``budgetwatch.commands``; this module assembles
them explicitly, so the command tree is readable in one place.  Errors are one
readable line on stderr and a non-zero exit; ``--debug`` shows the traceback.
``--json`` prints one JSON object per line for machines.
"""

from __future__ import annotations

import sys

import click

from budgetwatch.commands.admin import config_group, db_group
from budgetwatch.commands.alerts_delivery import alerts_send, alerts_test, deliveries_group
from budgetwatch.commands.crawl import crawl_command, disclosures_group, documents_group
from budgetwatch.commands.extract import extract_command
from budgetwatch.commands.monitor import alerts_group, monitor_command
from budgetwatch.commands.service import demo_command, run_command, serve_command, status_command
from budgetwatch.options import EXIT_ERROR
from storage.errors import BudgetwatchError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="budgetwatch")
def cli() -> None:
    """budgetwatch: watch Chinese government budget disclosures (部门预算 / 部门决算)."""


alerts_group.add_command(alerts_send)
alerts_group.add_command(alerts_test)
for command in (
    extract_command,  # issue #3
    db_group,
    config_group,
    crawl_command,  # issue #4
    documents_group,
    disclosures_group,
    monitor_command,  # issue #5
    alerts_group,  # issues #5 and #6
    deliveries_group,
    run_command,  # issue #7
    serve_command,
    status_command,
    demo_command,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turn our errors into one line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="budgetwatch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BudgetwatchError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(EXIT_ERROR)
