"""`budgetwatch demo`, run for real as `make demo` runs it: alerts shown, mail written, a summary."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from storage.db import session_factory
from storage.monitoring import list_alerts
from tests.service_processes import BudgetwatchProcess

# Rules the sample portal's planted anomalies (and its anti-bot counties) must set off.
PLANTED_RULES = {"three_public_increase", "sum_mismatch", "document_changed", "crawl_health"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[BudgetwatchProcess, Path]:
    """One run of the demo into a fresh folder (wide columns: the tables are read here)."""
    folder = tmp_path_factory.mktemp("demo")
    out = folder / "demo-out"
    process = BudgetwatchProcess(["demo", "--out", str(out)], folder, "demo", {"COLUMNS": "200"})
    try:
        assert process.wait(180) == 0, process.stderr
    finally:
        process.stop_tree()
    return process, out


def stored_alerts(out: Path) -> list[tuple[str, str]]:
    factory = session_factory(f"sqlite:///{out / 'demo.db'}")
    try:
        with factory() as session:
            return [(alert.rule, alert.message) for alert in list_alerts(session)]
    finally:
        factory.kw["bind"].dispose()


def test_the_demo_shows_the_planted_anomalies_and_a_summary(
    demo: tuple[BudgetwatchProcess, Path],
) -> None:
    process, out = demo
    shown = process.stdout
    for title in ("cycle 1: first crawl of every county", "alerts by rule",
                  "planted anomalies in the sample portal", "crawl health", "mail sent"):  # fmt: skip
        assert title in shown
    rules = {rule for rule, _ in stored_alerts(out)}
    assert rules >= PLANTED_RULES
    for rule in PLANTED_RULES:
        assert rule in shown  # in the alerts-by-rule table
    summary = re.search(r"done in ([\d.]+) s: (\d+) documents, (\d+) alerts, (\d+) of (\d+) "
                        r"planted anomalies found, (\d+) mails", shown)  # fmt: skip
    assert summary is not None, shown[-2000:]
    seconds, documents, alerts, found, planted, mails = summary.groups()
    assert int(documents) > 100 and int(alerts) == len(stored_alerts(out))
    assert 1 <= int(found) <= int(planted) and int(mails) >= 1
    assert float(seconds) < 120  # `make demo` must finish in under two minutes


def test_the_demo_writes_each_mail_as_an_eml_file_with_the_alerts(
    demo: tuple[BudgetwatchProcess, Path],
) -> None:
    _, out = demo
    files = sorted((out / "mail").glob("*.eml"))
    assert files
    bodies = []
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        assert message["To"] == "budget-office@example.org" and "预警" in str(message["Subject"])
        body = message.get_body(("plain",))
        assert body is not None
        bodies.append(str(body.get_content()))
    mailed = "\n".join(bodies)
    assert all(message in mailed for _, message in stored_alerts(out))  # every alert went out
