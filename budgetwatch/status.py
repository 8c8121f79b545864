"""`budgetwatch status`: per site the last run, the scheduler's next run times, pending deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, Table, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from budgetwatch.config import Settings
from scheduler.jobs import SITE_PREFIX, default_schedule


def next_runs(engine: Engine) -> dict[str, datetime]:
    """Next run time per job id from APScheduler's table (empty before the first `serve`)."""
    if not inspect(engine).has_table("apscheduler_jobs"):
        return {}
    table = Table("apscheduler_jobs", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.id, table.c.next_run_time)).all()
    return {job: datetime.fromtimestamp(when, UTC) for job, when in rows if when is not None}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def gather(settings: Settings, factory: sessionmaker[Session]) -> dict[str, Any]:
    """The whole status as one JSON-ready object."""
    from storage.service import last_site_runs, pending_deliveries

    with factory() as session:
        runs = last_site_runs(session)
        pending = pending_deliveries(session)
    scheduled = next_runs(factory.kw["bind"])
    names = list(dict.fromkeys([s.name for s in settings.crawl.sites] + sorted(runs)))
    schedules = {s.name: s.schedule or default_schedule(s.name) for s in settings.crawl.sites}
    sites = []
    for name in names:
        run = runs.get(name)
        sites.append({
            "site": name,
            "schedule": schedules.get(name),
            "next_run": _iso(scheduled.get(SITE_PREFIX + name)),
            "last_run": _iso(run.started_at) if run else None,
            "finished": _iso(run.finished_at) if run else None,
            "result": run.result if run else None,
            "documents": run.documents if run else None,
            "disclosures": run.disclosures if run else None,
            "failures": run.failures if run else None,
            "blocked_reason": run.blocked_reason if run else None,
            "error": run.error if run else None,
        })  # fmt: skip
    others = {job: _iso(when) for job, when in scheduled.items() if not job.startswith(SITE_PREFIX)}
    return {"sites": sites, "jobs": others, "pending_deliveries": pending}


def print_status(status: dict[str, Any]) -> None:
    """Tables a person reads."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    table = RichTable(title="sites")
    for column in (
        "site",
        "last run",
        "result",
        "documents",
        "disclosures",
        "failures",
        "next run",
    ):
        table.add_column(column)
    for row in status["sites"]:
        detail = row["blocked_reason"] or row["error"] or ""
        result = f"{row['result'] or '-'}" + (f" ({detail})" if detail else "")
        table.add_row(row["site"], row["last_run"] or "never", result, str(row["documents"] or 0),
                      str(row["disclosures"] or 0), str(row["failures"] or 0),
                      row["next_run"] or f"not scheduled ({row['schedule'] or '-'})")  # fmt: skip
    console.print(table)
    for job, when in status["jobs"].items():
        console.print(f"job {job}: next run {when}")
    pending = status["pending_deliveries"]
    total = sum(pending.values())
    per = ", ".join(f"{channel} {count}" for channel, count in pending.items())
    console.print(f"pending deliveries: {total}" + (f" ({per})" if per else ""))
