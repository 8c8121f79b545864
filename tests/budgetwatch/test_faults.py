"""The faults issue #7 says budgetwatch must survive, with real processes, on SQLite and PostgreSQL.

Each test runs real `budgetwatch run --once` / `serve` processes against the bundled
sample portal on 127.0.0.1, and checks the database they leave against a clean run:
kill -9 mid-crawl, SIGTERM of `serve`, PostgreSQL restarted mid-cycle, two `serve`
on one database, two days down, mail and webhooks down for a whole cycle.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from budgetwatch.config import load_config
from budgetwatch.cycle import run_cycle
from crawler.sample_portal import SamplePortal
from scheduler.jobs import SITE_PREFIX
from storage.db import session_factory
from storage.monitoring import list_alerts
from tests.alerts.http_receiver import Receiver
from tests.alerts.smtp_server import MailHandler, start_smtp
from tests.budgetwatch.test_compose import COMPOSE, ROOT
from tests.service_processes import (
    BUDGETWATCH,
    BudgetwatchProcess,
    DocumentState,
    alerts,
    alive,
    deliveries,
    documents,
    next_run_times,
    reaped,
    seed_job_store,
    site_runs,
    stop_tree,
    wait_until,
    write_config,
)

SITE = "南岭县"  # 30 disclosures, planted anomalies, no fail-once pages: a clean run is repeatable
BLOCKED = "白石县"  # behind an anti-bot page: a crawl of seconds, and a crawl_health alert
ATTACHMENT = (".pdf", ".xls", ".xlsx", ".doc", ".docx", ".zip", ".wps", ".et")


@pytest.fixture(scope="module")
def portal() -> Iterator[SamplePortal]:
    with SamplePortal() as served:
        yield served


@pytest.fixture(scope="module")
def clean_run(
    portal: SamplePortal, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, DocumentState], list[tuple[object, ...]]]:
    """What one undisturbed cycle of ``SITE`` stores: documents and alerts."""
    folder = tmp_path_factory.mktemp("clean")
    url = f"sqlite:///{folder / 'clean.db'}"
    config = write_config(folder / "budgetwatch.yaml", url, {SITE: portal.county_urls[SITE]})
    result = run_cycle(load_config(config, env={}))
    assert result.ok, result.steps
    return documents(url), alerts(url)


def config_for(
    portal: SamplePortal,
    database_url: str,
    tmp_path: Path,
    sites: tuple[str, ...] = (SITE,),
    **sections: object,
) -> Path:
    urls = {site: portal.county_urls[site] for site in sites}
    return write_config(tmp_path / "budgetwatch.yaml", database_url, urls, **sections)


def attachments_requested(portal: SamplePortal) -> int:
    return sum(1 for r in portal.requests if r.path.endswith(ATTACHMENT))


# -- kill -9 during a crawl -------------------------------------------------------------------


def test_kill_9_during_a_crawl_then_the_next_run_completes_without_duplicates(
    portal: SamplePortal,
    clean_run: tuple[dict[str, DocumentState], list[tuple[object, ...]]],
    database_url: str,
    tmp_path: Path,
) -> None:
    config = config_for(portal, database_url, tmp_path)
    portal.reset_log()
    killed = BudgetwatchProcess(["run", "--once", "--config", str(config)], tmp_path, "killed")
    with reaped([killed]):
        # Mid-crawl: attachments are being downloaded and the first documents are stored.
        wait_until(lambda: attachments_requested(portal) >= 3 and documents(database_url),
                   60, "the crawl to download and store attachments")  # fmt: skip
        crawl_children = killed.descendants()
        assert crawl_children, "the crawl runs in a child process"
        os.killpg(killed.identity[0], signal.SIGKILL)  # the process group of `run --once`
        assert killed.wait(10) == -signal.SIGKILL
        # The crawl child runs in a session of its own: it must notice and stop by itself.
        try:
            wait_until(lambda: not any(alive(child) for child in crawl_children), 40,
                       "the orphaned crawl process to stop")  # fmt: skip
        except AssertionError:
            stop_tree(crawl_children)
            raise
    assert site_runs(database_url) == [(SITE, "running")]  # the kill landed during the crawl

    again = BudgetwatchProcess(["run", "--once", "--config", str(config)], tmp_path, "again")
    with reaped([again]):
        assert again.wait(120) == 0, again.stderr
    expected_documents, expected_alerts = clean_run
    assert site_runs(database_url) == [(SITE, "interrupted"), (SITE, "ok")]
    assert documents(database_url) == expected_documents  # no duplicate versions or figures
    assert alerts(database_url) == expected_alerts  # each alert once


# -- SIGTERM during serve; two days down; two serve on one database ----------------------------


def serve(config: Path, folder: Path, name: str, *extra: str) -> BudgetwatchProcess:
    return BudgetwatchProcess(["serve", "--config", str(config), *extra], folder, name)


def site_job_due(url: str, site: str = SITE) -> datetime:
    return next_run_times(url)[SITE_PREFIX + site]


def test_sigterm_during_serve_exits_cleanly_and_the_next_start_runs_the_cycle_once(
    portal: SamplePortal, database_url: str, tmp_path: Path
) -> None:
    config = config_for(portal, database_url, tmp_path)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    seed_job_store(load_config(config, env={}), due)
    portal.reset_log()
    first = serve(config, tmp_path, "first")
    with reaped([first]):
        wait_until(lambda: attachments_requested(portal) >= 3, 60, "the scheduled crawl to start")
        first.terminate()
        assert first.wait(60) == 0, first.stderr
    assert "serve: stopped" in first.stderr
    assert "will run on the next start" in first.stderr  # the run is given back, not skipped
    assert site_runs(database_url) == [(SITE, "interrupted")]
    assert site_job_due(database_url) == due

    second = serve(config, tmp_path, "second")
    with reaped([second]):
        wait_until(lambda: len(site_runs(database_url)) == 2 and site_job_due(database_url) > due,
                   60, "the given-back cycle to run")  # fmt: skip
        second.wait_for_stderr("serve: alerts ok", 30)  # the cycle's last step
        second.terminate()  # idle now: it stops at once
        assert second.wait(20) == 0, second.stderr
    assert "serve: stopped" in second.stderr
    assert site_runs(database_url) == [(SITE, "interrupted"), (SITE, "ok")]  # not repeated
    assert site_job_due(database_url) > datetime.now(UTC)  # next: the regular schedule


def test_two_serve_on_one_database_after_two_days_down_run_the_daily_cycle_once(
    portal: SamplePortal, database_url: str, tmp_path: Path
) -> None:
    config = config_for(portal, database_url, tmp_path, sites=(BLOCKED,))
    # The daily job was due two days ago: both missed runs coalesce into one.
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    seed_job_store(load_config(config, env={}), due)
    first, second = serve(config, tmp_path, "a"), serve(config, tmp_path, "b")
    with reaped([first, second]):
        refused, working = wait_until(lambda: one_exited(first, second), 60,
                                      "one of two `serve` to be refused")  # fmt: skip
        assert refused.popen.returncode == 2
        assert "only one may act on a database" in refused.stderr
        waiting = serve(config, tmp_path, "waiting", "--wait")
        with reaped([waiting]):
            waiting.wait_for_stderr("waiting for", 30)
            wait_until(lambda: site_runs(database_url) == [(BLOCKED, "blocked")], 60, "the cycle")
            wait_until(lambda: site_job_due(database_url, BLOCKED) > datetime.now(UTC), 30,
                       "the next run to be scheduled")  # fmt: skip
            working.terminate()
            assert working.wait(30) == 0, working.stderr
            waiting.wait_for_stderr("serve: scheduling", 30)  # took over when the first stopped
            waiting.terminate()
            assert waiting.wait(20) == 0, waiting.stderr
    assert site_runs(database_url) == [
        (BLOCKED, "blocked")
    ]  # once, by one of them, not by the third
    assert site_job_due(database_url, BLOCKED) > datetime.now(UTC)


def one_exited(
    a: BudgetwatchProcess, b: BudgetwatchProcess
) -> tuple[BudgetwatchProcess, BudgetwatchProcess] | None:
    """(the one that exited, the other) once one of the two exited."""
    if a.popen.poll() is not None:
        return a, b
    if b.popen.poll() is not None:
        return b, a
    return None


# -- PostgreSQL restarted during a cycle -------------------------------------------------------


def pg_ctl(action: str) -> None:
    """Stop or start the local PostgreSQL cluster (the one CI's URL points at)."""
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
                   check=True, capture_output=True, timeout=120)  # fmt: skip


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=30).returncode == 0


@contextmanager
def postgresql_down() -> Iterator[None]:
    """PostgreSQL stopped for the block; whatever happens, running again afterwards."""
    if shutil.which("pg_ctlcluster") is None or not os.path.isdir("/etc/postgresql"):
        pytest.fail(
            "the PostgreSQL tests run against a local cluster, and pg_ctlcluster is missing"
        )
    try:
        pg_ctl("stop")  # fast shutdown: open sessions are cut off, as in a real restart
        yield
    finally:
        if not pg_ready():
            pg_ctl("start")
        wait_until(pg_ready, 60, "PostgreSQL to accept connections again")


def half_written(stored: dict[str, DocumentState], clean: dict[str, DocumentState]) -> list[str]:
    """Documents whose extracted figures are only partly stored (all or none is fine)."""
    return [url for url, state in stored.items()
            if state.figures and state.figures != clean.get(url, state).figures]  # fmt: skip


@pytest.mark.postgres
def test_postgresql_restarted_during_a_cycle_leaves_no_half_written_document(
    portal: SamplePortal,
    clean_run: tuple[dict[str, DocumentState], list[tuple[object, ...]]],
    postgres_url: str,
    tmp_path: Path,
) -> None:
    config = config_for(portal, postgres_url, tmp_path)
    portal.reset_log()
    during = BudgetwatchProcess(["run", "--once", "--config", str(config)], tmp_path, "during")
    with reaped([during]):
        wait_until(lambda: attachments_requested(portal) >= 3 and documents(postgres_url),
                   60, "the crawl to download and store attachments")  # fmt: skip
        with postgresql_down():
            wait_until(lambda: not pg_ready(), 30, "PostgreSQL to stop")
        code = during.wait(180)
    # The step failed cleanly (a one-line reason, exit 0: the cycle ran) or went through.
    assert code == 0, during.stderr
    assert f"crawl {SITE}:" in during.stdout  # each step's outcome on one line
    expected_documents, expected_alerts = clean_run
    assert half_written(documents(postgres_url), expected_documents) == []

    after = BudgetwatchProcess(["run", "--once", "--config", str(config)], tmp_path, "after")
    with reaped([after]):
        assert after.wait(120) == 0, after.stderr
    assert site_runs(postgres_url)[-1] == (SITE, "ok")
    assert documents(postgres_url) == expected_documents
    assert alerts(postgres_url) == expected_alerts


# -- mail and webhooks down for a whole cycle ---------------------------------------------------


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def alert_messages(url: str) -> set[str]:
    factory = session_factory(url)
    try:
        with factory() as session:
            return {alert.message for alert in list_alerts(session)}
    finally:
        factory.kw["bind"].dispose()


def test_mail_and_webhooks_down_for_a_whole_cycle_are_delivered_later(
    portal: SamplePortal, database_url: str, tmp_path: Path
) -> None:
    smtp_port, hook_port = free_port(), free_port()
    mail = {
        "name": "oversight-mail",
        "type": "email",
        "host": "127.0.0.1",
        "port": smtp_port,
        "starttls": False,
        "from": "budgetwatch@example.org",
        "to": ["office@example.org"],
    }
    hook = {"name": "hook", "type": "webhook", "url": f"http://127.0.0.1:{hook_port}/hook"}
    alerts_section = {"channels": [mail, hook], "allow_private_targets": True,
                      "backoff_seconds": 0.2, "timeout_seconds": 5}  # fmt: skip
    config = config_for(portal, database_url, tmp_path, (SITE, BLOCKED), alerts=alerts_section)
    cycle = BudgetwatchProcess(["run", "--once", "--config", str(config)], tmp_path, "cycle")
    with reaped([cycle]):
        assert cycle.wait(120) == 0, cycle.stderr  # the cycle ran; only its alerts step failed
    assert "FAILED alerts" in cycle.stdout
    messages = alert_messages(database_url)
    assert messages
    queued = deliveries(database_url)
    assert len(queued) == 2 * len(alerts(database_url))  # every alert on both channels
    assert {status for _, status in queued} == {"pending"}  # kept for later, not lost

    handler = MailHandler()
    smtp = start_smtp(handler, port=smtp_port)
    receiver = Receiver(port=hook_port)
    try:
        send = BudgetwatchProcess(["alerts", "send", "--config", str(config)], tmp_path, "send")
        with reaped([send]):
            assert send.wait(60) == 0, send.stderr
        mails = handler.wait_for(1)
        requests = receiver.requests
    finally:
        smtp.stop()
        receiver.close()
    assert {status for _, status in deliveries(database_url)} == {"sent"}
    mailed = "\n".join(str(m.message.get_body(("plain",)).get_content()) for m in mails)  # type: ignore[union-attr]
    assert all(message in mailed for message in messages)
    posted = [a for r in requests for a in r.json().get("alerts", [r.json().get("alert")])]
    assert {a["message"] for a in posted} == messages


# -- the compose start-up sequence ---------------------------------------------------------------


@pytest.mark.postgres
def test_the_compose_start_up_migrates_then_serves_on_a_fresh_database(
    postgres_url: str, tmp_path: Path
) -> None:
    service = COMPOSE["services"]["budgetwatch"]
    env = {**service["environment"], "BUDGETWATCH_DATABASE_URL": postgres_url,
           "BUDGETWATCH_STORE_DIR": str(tmp_path / "files"),
           "BUDGETWATCH_CONFIG": str(ROOT / "budgetwatch.example.yaml"),
           "PATH": f"{BUDGETWATCH.parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    # The example config names these secrets with ${VAR}; compose passes them from the host.
    env |= {name: "dummy" for name in ("POSTGRES_PASSWORD", "SMTP_USER", "SMTP_PASSWORD",
            "WECOM_KEY", "DINGTALK_TOKEN", "DINGTALK_SECRET", "FEISHU_HOOK", "FEISHU_SECRET")}  # fmt: skip
    assert site_runs(postgres_url) == [] and not next_run_times(postgres_url)
    entry = BudgetwatchProcess([], tmp_path, "compose", env, command=service["entrypoint"])
    with reaped([entry]):
        entry.wait_for_stderr("serve: scheduling 2 sites", 60)
        assert set(next_run_times(postgres_url)) == {"crawl:固安县", "crawl:鹿寨县", "alerts:send"}
        entry.terminate()  # `docker compose stop`: SIGTERM to the container's process
        assert entry.wait(30) == 0, entry.stderr
    assert "serve: stopped" in entry.stderr
