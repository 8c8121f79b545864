"""`alerts send|test` and `deliveries list` as a user runs them: a real process, real receivers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.alerts.conftest import HOOK_SECRET, add_alert
from tests.alerts.http_receiver import Answer, Receiver
from tests.alerts.smtp_server import LoopbackController, MailHandler

SMTP_PASSWORD = "smtp-password-q9w8e7"
TOKEN = "robot-token-z1x2c3"


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(path: Path, hook_url: str, smtp_port: int) -> Path:
    path.write_text(
        f"""
alerts:
  allow_private_targets: true
  backoff_seconds: 1
  channels:
    - name: oversight-mail
      type: email
      host: 127.0.0.1
      port: {smtp_port}
      starttls: false
      username: budgetwatch
      password: ${{SMTP_PASSWORD}}
      from: budgetwatch@example.org
      to: [budget-office@example.org]
    - name: ops-hook
      type: webhook
      url: {hook_url}?access_token=${{ROBOT_TOKEN}}
      secret: ${{HOOK_SECRET}}
""",
        encoding="utf-8",
    )
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "ROBOT_TOKEN": TOKEN,
        "HOOK_SECRET": HOOK_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "budgetwatch", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def no_secrets(result: subprocess.CompletedProcess[str]) -> None:
    for secret in (SMTP_PASSWORD, TOKEN, HOOK_SECRET):
        assert secret not in result.stdout and secret not in result.stderr


def test_send_list_and_test_from_the_command_line(
    factory: sessionmaker[Session],
    database_url: str,
    receiver: Receiver,
    mail: tuple[MailHandler, LoopbackController],
    tmp_path: Path,
) -> None:
    handler, controller = mail
    config = write_config(tmp_path / "bw.yaml", receiver.url(), controller.port)
    add_alert(factory, ["oversight-mail", "ops-hook"], now=datetime.now(UTC))
    common = ["--db", database_url, "--config", str(config)]

    dry = run("alerts", "send", "--dry-run", "--json", *common)
    assert [json.loads(line) for line in dry.stdout.splitlines()] == [
        {"channel": "oversight-mail", "due": 1},
        {"channel": "ops-hook", "due": 1},
    ]
    assert receiver.requests == [] and handler.mails == []

    sent = run("alerts", "send", "--json", *common)
    assert sent.returncode == 0, sent.stderr
    reports = {line["channel"]: line for line in map(json.loads, sent.stdout.splitlines())}
    assert reports["oversight-mail"]["sent"] == 1 and reports["ops-hook"]["sent"] == 1
    assert handler.wait_for(1)[0].recipients == ["budget-office@example.org"]
    assert handler.logins == [("budgetwatch", SMTP_PASSWORD)]
    assert receiver.wait_for(1)[0].query == {"access_token": [TOKEN]}

    again = run("alerts", "send", *common)
    assert again.stdout.splitlines() == [
        "oversight-mail: 0 sent, 0 retrying, 0 failed",
        "ops-hook: 0 sent, 0 retrying, 0 failed",
    ]

    listed = run("deliveries", "list", "--json", *common)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["alert_id"], r["channel"], r["status"], r["attempts"]) for r in rows] == [
        (1, "oversight-mail", "sent", 1),
        (1, "ops-hook", "sent", 1),
    ]
    assert all(r["sent_at"] for r in rows)
    assert "ops-hook" in run("deliveries", "list", *common).stdout

    tested = run("alerts", "test", "ops-hook", *common)
    assert tested.returncode == 0 and "test message sent" in tested.stdout
    assert receiver.wait_for(2)[1].json()["test"] is True
    for result in (dry, sent, again, listed, tested):
        no_secrets(result)


def test_failures_are_reported_without_secrets(
    factory: sessionmaker[Session], database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "bw.yaml", receiver.url(f"/hook/{TOKEN}"), closed_port())
    add_alert(factory, ["oversight-mail", "ops-hook"], now=datetime.now(UTC))
    receiver.script(Answer(403))
    common = ["--db", database_url, "--config", str(config)]
    result = run("alerts", "send", *common)
    assert result.returncode == 1  # a delivery failed for good
    assert "oversight-mail: 0 sent, 1 retrying, 0 failed" in result.stdout
    assert "ops-hook: 0 sent, 0 retrying, 1 failed" in result.stdout
    assert "HTTP 403" in result.stderr and "ConnectionRefused" in result.stderr
    listed = run("deliveries", "list", *common)
    assert "HTTP 403" in listed.stdout
    tested = run("alerts", "test", "oversight-mail", *common)
    assert tested.returncode == 2 and tested.stderr.startswith("error: oversight-mail:")
    unknown = run("alerts", "test", "nope", *common)
    assert unknown.returncode == 2 and "no channel named 'nope'" in unknown.stderr
    for item in (result, listed, tested, unknown):
        no_secrets(item)


@pytest.mark.parametrize("args", [["config", "check"], ["config", "check", "--json"]])
def test_config_check_never_prints_secrets(tmp_path: Path, args: list[str]) -> None:
    config = write_config(tmp_path / "bw.yaml", "http://127.0.0.1:9/hook", 25)
    result = run(*args, "--config", str(config))
    assert result.returncode == 0, result.stderr
    no_secrets(result)


def test_an_invalid_channel_is_refused_without_echoing_secrets(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        "alerts:\n  channels:\n    - {name: x, type: webhook, url: 'ftp://h/${ROBOT_TOKEN}', secret: '${HOOK_SECRET}'}\n"
        "    - {name: y, type: sms, password: '${SMTP_PASSWORD}'}\n",
        encoding="utf-8",
    )
    result = run("config", "check", "--config", str(config))
    assert result.returncode == 2
    assert "alerts.channels.0.webhook.url" in result.stderr and "alerts.channels.1" in result.stderr
    no_secrets(result)
