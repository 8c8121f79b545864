"""JSON webhooks through the outbox to a real receiver: signatures, retries, failures."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from alerts.channels.webhook import WebhookChannel
from alerts.delivery import Outbox, deliver_due
from alerts.outbox import list_deliveries
from alerts.settings import WebhookChannelSettings
from alerts.signing import verify_signature
from storage.models import DeliveryRow
from tests.alerts.conftest import HOOK_SECRET, T0, add_alert
from tests.alerts.http_receiver import Answer, Receiver


def hook(url: str, name: str = "ops-hook", timeout: float = 5.0, **extra: object) -> WebhookChannel:
    settings = WebhookChannelSettings.model_validate(
        {"name": name, "type": "webhook", "url": url, "secret": HOOK_SECRET, **extra}
    )
    return WebhookChannel(settings, timeout=timeout, allow_private=True)


def deliveries(factory: sessionmaker[Session]) -> list[DeliveryRow]:
    with factory() as session:
        return list_deliveries(session)


def test_a_signed_alert_arrives_once_and_verifies_with_the_shipped_helper(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    [report] = deliver_due(factory, [hook(receiver.url())], outbox, T0)
    [request] = receiver.wait_for(1)
    headers = request.headers
    assert verify_signature(
        HOOK_SECRET,
        headers["X-Budgetwatch-Timestamp"],
        request.body,
        headers["X-Budgetwatch-Signature"],
    )
    assert not verify_signature(
        "wrong",
        headers["X-Budgetwatch-Timestamp"],
        request.body,
        headers["X-Budgetwatch-Signature"],
    )
    [row] = deliveries(factory)
    assert headers["X-Budgetwatch-Id"] == row.idempotency_key
    payload = request.json()
    assert payload["alert"]["region"] == "固安县"
    assert payload["alert"]["figures"] == {"current": "107700.00", "previous": "86700.00"}
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert row.status == "sent" and row.sent_at == T0
    # A restart with nothing new sends nothing.
    assert deliver_due(factory, [hook(receiver.url())], outbox, T0 + timedelta(days=1))[0].sent == 0
    assert len(receiver.requests) == 1


def test_two_5xx_then_200_delivers_exactly_once_with_one_key(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    receiver.script(Answer(500), Answer(503))
    channel = hook(receiver.url())
    now = T0
    first = deliver_due(factory, [channel], outbox, now)[0]
    assert first.retrying == 1 and "HTTP 500" in first.errors[0]
    [row] = deliveries(factory)
    # Backoff is computed from `now`: 60 s doubling, jittered to 50–100 %.
    assert now + timedelta(seconds=30) <= row.next_attempt_at <= now + timedelta(seconds=60)
    assert deliver_due(factory, [channel], outbox, now + timedelta(seconds=29))[0].sent == 0
    assert len(receiver.requests) == 1  # not due yet: nothing sent
    now = row.next_attempt_at
    assert deliver_due(factory, [channel], outbox, now)[0].retrying == 1
    [row] = deliveries(factory)
    assert now + timedelta(seconds=60) <= row.next_attempt_at <= now + timedelta(seconds=120)
    assert deliver_due(factory, [channel], outbox, row.next_attempt_at)[0].sent == 1
    assert (
        deliver_due(factory, [channel], outbox, row.next_attempt_at + timedelta(hours=5))[0].sent
        == 0
    )
    requests = receiver.wait_for(3)
    assert len(requests) == 3
    assert len({r.headers["X-Budgetwatch-Id"] for r in requests}) == 1
    [row] = deliveries(factory)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


def test_a_timeout_is_retried(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    release = threading.Event()
    receiver.script(Answer(200, hold=release))
    report = deliver_due(factory, [hook(receiver.url(), timeout=0.3)], outbox, T0)[0]
    release.set()
    assert report.retrying == 1 and "timed out" in report.errors[0]
    [row] = deliveries(factory)
    assert row.status == "pending" and "timed out" in (row.last_error or "")
    assert (
        deliver_due(factory, [hook(receiver.url())], outbox, T0 + timedelta(hours=1))[0].sent == 1
    )
    assert [r.headers["X-Budgetwatch-Id"] for r in receiver.wait_for(2)] == [
        row.idempotency_key
    ] * 2


def test_410_fails_for_good_with_the_reason(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    receiver.script(Answer(410))
    report = deliver_due(factory, [hook(receiver.url())], outbox, T0)[0]
    assert (report.sent, report.retrying, report.failed) == (0, 0, 1)
    [row] = deliveries(factory)
    assert row.status == "failed" and "HTTP 410" in (row.last_error or "")
    assert deliver_due(factory, [hook(receiver.url())], outbox, T0 + timedelta(days=3))[0].sent == 0
    assert len(receiver.requests) == 1


def test_429_retry_after_is_honoured(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    receiver.script(Answer(429, headers={"Retry-After": "900"}))
    channel = hook(receiver.url())
    assert deliver_due(factory, [channel], outbox, T0)[0].retrying == 1
    [row] = deliveries(factory)
    assert row.next_attempt_at == T0 + timedelta(seconds=900)
    assert deliver_due(factory, [channel], outbox, T0 + timedelta(seconds=899))[0].sent == 0
    assert deliver_due(factory, [channel], outbox, T0 + timedelta(seconds=900))[0].sent == 1
    assert len(receiver.wait_for(2)) == 2


def test_retries_end_after_the_window(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    receiver.script(*[Answer(502)] * 100)
    channel = hook(receiver.url())
    now, reports = T0, []
    for _ in range(100):
        reports.append(deliver_due(factory, [channel], outbox, now)[0])
        [row] = deliveries(factory)
        if row.status == "failed":
            break
        now = row.next_attempt_at
    assert row.status == "failed" and "gave up after" in (row.last_error or "")
    assert now <= T0 + timedelta(hours=48)
    assert reports[-1].failed == 1 and sum(r.retrying for r in reports) == row.attempts - 1


def test_a_redirect_is_not_followed(factory: sessionmaker[Session], outbox: Outbox) -> None:
    add_alert(factory, ["ops-hook"])
    target, redirector = Receiver(), Receiver()
    try:
        redirector.script(Answer(302, headers={"Location": target.url("/internal")}))
        report = deliver_due(factory, [hook(redirector.url())], outbox, T0)[0]
        assert report.failed == 1 and "redirects are not followed" in report.errors[0]
        assert len(redirector.wait_for(1)) == 1
        assert target.requests == []
    finally:
        target.close()
        redirector.close()
