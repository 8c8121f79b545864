"""Alert delivery fixtures: databases of both kinds, loopback receivers, alerts to send."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import Outbox
from alerts.outbox import RetryPolicy
from storage.models import AlertRow
from storage.monitoring import AlertCandidate, upsert_alert
from tests.alerts.http_receiver import Receiver
from tests.alerts.smtp_server import LoopbackController, MailHandler, start_smtp

# The storage suite's database fixtures: every test here runs on SQLite and PostgreSQL.
from tests.storage.conftest import (  # noqa: F401
    database_url,
    factory,
    postgres_server,
    postgres_url,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HOOK_SECRET = "hook-secret-value-7f3a"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    served = Receiver()
    yield served
    served.close()


@pytest.fixture
def receiver_v6() -> Iterator[Receiver]:
    try:
        served = Receiver(socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    yield served
    served.close()


@pytest.fixture
def mail() -> Iterator[tuple[MailHandler, LoopbackController]]:
    handler = MailHandler()
    controller = start_smtp(handler)
    yield handler, controller
    if controller._thread is not None:
        controller.stop()


@pytest.fixture
def outbox() -> Outbox:
    """Backoff 60 s doubling to 1 h, a 2-day window, 5-minute leases, seeded jitter."""
    return Outbox(300.0, 200, RetryPolicy(60.0, 3600.0, 48.0), random.Random(7))


def candidate(**overrides: Any) -> AlertCandidate:
    """A warning about 三公经费 rising, with a scraped string that must be escaped."""
    fields: dict[str, Any] = {
        "rule": "three_public_increase",
        "severity": "warning",
        "region": "固安县",
        "department": "中共固安县委组织部",
        "year": 2021,
        "kind": "budget",
        "metric": "three_public_total",
        "message": "中共固安县委组织部2021年“三公”经费预算10.77万元，较2020年增加2.10万元 <script>alert(1)</script>",
        "figures": {"current": "107700.00", "previous": "86700.00"},
        "evidence": [
            {
                "source": "http://www.guan.gov.cn/yusuan/2021/zzb.pdf",
                "page": 3,
                "text": "三公经费10.77万元",
            }
        ],
    }
    fields.update(overrides)
    return AlertCandidate(**fields)


def add_alert(
    sessions: sessionmaker[Session], channels: list[str], now: datetime = T0, **overrides: Any
) -> AlertRow:
    """Store an alert and queue it on ``channels``, as the monitor does, in one transaction."""
    with sessions() as session:
        alert, _ = upsert_alert(session, candidate(**overrides), now, channels)
        session.commit()
        return alert
