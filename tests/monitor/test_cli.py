"""`budgetwatch monitor` and `budgetwatch alerts` on a stored scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetwatch.cli import cli
from storage.db import session_factory, upgrade
from tests.monitor import scenario

FIELDS = {
    "id",
    "rule",
    "severity",
    "region",
    "department",
    "year",
    "kind",
    "metric",
    "message",
    "figures",
    "evidence",
    "status",
}


@pytest.fixture
def db(database_url: str) -> str:
    upgrade(database_url)
    factory = session_factory(database_url)
    with factory() as session:
        scenario.build(session)
    factory.kw["bind"].dispose()
    return database_url


def run(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_monitor_json_then_ack_and_dismiss(db: str) -> None:
    lines = [json.loads(line) for line in run("monitor", "--db", db, "--json", "--full")]
    assert lines and all(set(line) == FIELDS for line in lines)
    assert {line["rule"] for line in lines} >= {p.rule for p in scenario.PLANTED}
    assert run("monitor", "--db", db, "--json") == []  # nothing new the second time
    first, second = lines[0]["id"], lines[1]["id"]
    assert run("alerts", "ack", str(first), "--db", db) == [f"alert {first} acknowledged"]
    run("alerts", "dismiss", str(second), "--reason", "已核实", "--db", db)
    dismissed = [
        json.loads(x) for x in run("alerts", "list", "--status", "dismissed", "--json", "--db", db)
    ]
    assert [a["id"] for a in dismissed] == [second]
    new = run("alerts", "list", "--status", "new", "--db", db)
    assert len(new) == len(lines) - 2


def test_dismiss_needs_a_reason(db: str) -> None:
    result = CliRunner().invoke(cli, ["alerts", "dismiss", "1", "--db", db])
    assert result.exit_code != 0 and "--reason" in result.output


def test_monitor_queues_one_delivery_per_alert_and_configured_channel(
    db: str, tmp_path: Path
) -> None:
    config = tmp_path / "bw.yaml"
    config.write_text(
        "alerts:\n"
        "  channels:\n"
        "    - {name: office-mail, type: email, host: 127.0.0.1, port: 2525,\n"
        "       from: bw@example.org, to: [office@example.org]}\n"
        "    - {name: hook, type: webhook, url: 'https://hooks.example.org/x', secret: s}\n",
        encoding="utf-8",
    )
    lines = run("monitor", "--db", db, "--config", str(config), "--json", "--full")
    deliveries = [json.loads(x) for x in run("deliveries", "list", "--json", "--db", db)]
    assert len(deliveries) == 2 * len(lines)
    assert {d["channel"] for d in deliveries} == {"office-mail", "hook"}
