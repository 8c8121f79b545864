"""`budgetwatch demo`: the whole product on the bundled sample portal, on loopback only.

It serves the sample county portals (crawler.sample_portal) and a small SMTP
capture on 127.0.0.1, runs one full cycle into a new SQLite file, lets one
published attachment change (``bump_version``), runs a second cycle, and
shows the alerts, the planted anomalies they catch, and the mail that went
out (each mail is also written to the output folder as an ``.eml`` file).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from budgetwatch.config import Settings, load_config
from budgetwatch.cycle import CycleResult, run_cycle
from crawler.sample_portal import Manifest, SamplePortal

# The portal's planted irregularity → the monitor rule that should report it.
PLANTED_RULE = {"altered_after_publication": "document_changed"}
FAST_CRAWL = {"autothrottle": False, "download_delay": 0, "download_max_size": 2 * 1024 * 1024}
RECIPIENT = "budget-office@example.org"


class MailCapture:
    """An aiosmtpd handler that writes every accepted mail to ``folder`` as an .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.files = folder, list[Path]()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            path = self.folder / f"mail-{len(self.files) + 1:02d}.eml"
            path.write_bytes(envelope.content)
            self.files.append(path)
        return "250 Message accepted for delivery"


def start_capture(folder: Path) -> tuple[Any, MailCapture]:
    """Start the SMTP capture on a free loopback port; return the controller and the handler."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port; the capture binds it right after
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = MailCapture(folder)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler


def demo_settings(out: Path, portal: SamplePortal, smtp_port: int) -> Settings:
    """One site per sample county, mail to the local capture, everything under ``out``."""
    slugs = {name: url for name, url in portal.county_urls.items()}
    mail = {"name": "oversight-mail", "type": "email", "host": "127.0.0.1", "port": smtp_port,
            "starttls": False, "from": "budgetwatch@example.org", "to": [RECIPIENT]}  # fmt: skip
    return load_config(
        None,
        env={},
        overrides={
            "database_url": f"sqlite:///{(out / 'demo.db').resolve()}",
            "store_dir": str(out / "files"),
            "crawl": {
                **FAST_CRAWL,
                "sites": [{"name": n, "start_urls": [u]} for n, u in slugs.items()],
            },
            "alerts": {"channels": [mail]},
        },
    )


def run_demo(out: Path, console: Console | None = None) -> dict[str, Any]:
    """Run the demo into ``out`` (emptied first); print what it found; return the summary."""
    console = console or Console()
    shutil.rmtree(out, ignore_errors=True)
    (out / "mail").mkdir(parents=True)
    started = time.monotonic()
    controller, capture = start_capture(out / "mail")
    # The crawl processes' and the portal's own messages go to a log file, not over the tables.
    log_file = (out / "demo.log").open("ab")
    saved_stderr = os.dup(2)
    os.dup2(log_file.fileno(), 2)
    try:
        with SamplePortal() as portal:
            console.print(
                f"[bold]sample portal[/] at {portal.base_url}/ — 6 counties, 2 behind anti-bot pages"
            )
            settings = demo_settings(out, portal, controller.port)
            first = _cycle(console, settings, "cycle 1: first crawl of every county")
            version = portal.bump_version()
            console.print(f"\nthe portal alters one published attachment (version {version})")
            second = _cycle(console, settings, "cycle 2: the next day's crawl")
            manifest = portal.manifest()
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        log_file.close()
        controller.stop()
    summary = _report(console, settings, manifest, [first, second], capture.files)
    summary["seconds"] = round(time.monotonic() - started, 1)
    console.print(
        f"\n[bold]done[/] in {summary['seconds']} s: {summary['documents']} documents, "
        f"{summary['alerts']} alerts, {summary['planted_found']} of {summary['planted']} planted "
        f"anomalies found, {summary['mails']} mails. Database, files, mails (.eml) and the crawl "
        f"log are in {out}/"
    )
    return summary


def _cycle(console: Console, settings: Settings, title: str) -> CycleResult:
    """Run one cycle and show its steps."""
    with console.status(title + " …"):
        result = run_cycle(settings)
    table = Table(title=title, title_justify="left")
    for column in ("step", "", "outcome"):
        table.add_column(column)
    for step in result.steps:
        table.add_row(step.step, "[green]ok[/]" if step.ok else "[red]failed[/]", step.detail)
    console.print(table)
    return result


def _report(
    console: Console,
    settings: Settings,
    manifest: Manifest,
    cycles: list[CycleResult],
    mails: list[Path],
) -> dict[str, Any]:
    """The alerts by rule, the planted anomalies found, the health alerts, the mail."""
    from storage.db import session_factory
    from storage.monitoring import list_alerts

    factory = session_factory(settings.database_url)
    with factory() as session:
        alerts = [(a.rule, a.severity, a.region, a.department, a.year, a.kind, a.message)
                  for a in list_alerts(session)]  # fmt: skip
    factory.kw["bind"].dispose()
    by_rule = Counter(alert[0] for alert in alerts)
    table = Table(title="alerts by rule", title_justify="left")
    table.add_column("rule")
    table.add_column("alerts", justify="right")
    for rule, count in by_rule.most_common():
        table.add_row(rule, str(count))
    console.print(table)
    found = _planted(console, manifest, alerts)
    _health(console, alerts)
    _mail(console, mails)
    return {"alerts": len(alerts), "by_rule": dict(by_rule), "planted": len(manifest.anomalies),
            "planted_found": found, "mails": len(mails),
            "documents": sum(s.counts.documents for s in cycles[0].sites)}  # fmt: skip


def _planted(console: Console, manifest: Manifest, alerts: list[tuple[Any, ...]]) -> int:
    """Which of the portal's planted anomalies the alerts report."""
    table = Table(title="planted anomalies in the sample portal", title_justify="left")
    for column in ("anomaly", "department", "year", "found", "alert"):
        table.add_column(column)
    found = 0
    for anomaly in manifest.anomalies:
        doc = manifest.by_key(anomaly.disclosure_key)
        rule = PLANTED_RULE.get(anomaly.kind, anomaly.kind)
        hits = [
            a
            for a in alerts
            if a[0] == rule and a[2:6] == (doc.region, doc.department, doc.year, doc.kind)
        ]
        found += bool(hits)
        message = hits[0][6] if hits else anomaly.detail
        table.add_row(anomaly.kind, doc.department, f"{doc.year} {doc.kind}",
                      "[green]yes[/]" if hits else "[red]no[/]", message)  # fmt: skip
    console.print(table)
    return found


def _health(console: Console, alerts: list[tuple[Any, ...]]) -> None:
    """The crawl_health alerts: where the watcher is blind."""
    table = Table(title="crawl health (sites budgetwatch cannot watch)", title_justify="left")
    table.add_column("severity")
    table.add_column("message")
    for alert in alerts:
        if alert[0] == "crawl_health":
            table.add_row(alert[1], alert[6])
    console.print(table)


def _mail(console: Console, mails: list[Path]) -> None:
    """The mails the local SMTP capture received."""
    table = Table(title="mail sent (captured on 127.0.0.1, saved as .eml)", title_justify="left")
    for column in ("file", "to", "subject"):
        table.add_column(column)
    for path in mails:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        table.add_row(str(path), str(message["To"]), str(message["Subject"]))
    console.print(table)
