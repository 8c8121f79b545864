"""The outbox's guarantees: leases, crashes, concurrent senders, independent channels."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from alerts.channels.webhook import WebhookChannel
from alerts.delivery import Outbox, deliver_due
from alerts.notice import Batch, alert_notice
from alerts.outbox import claim, list_deliveries
from alerts.settings import WebhookChannelSettings
from tests.alerts.conftest import HOOK_SECRET, T0, add_alert
from tests.alerts.http_receiver import Answer, Receiver


def hook(url: str, name: str, **extra: object) -> WebhookChannel:
    data = {"name": name, "type": "webhook", "url": url, "secret": HOOK_SECRET, **extra}
    return WebhookChannel(
        WebhookChannelSettings.model_validate(data), timeout=5, allow_private=True
    )


def rows(factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as session:
        return {row.channel: row.status for row in list_deliveries(session)}


def test_a_sender_killed_between_send_and_mark_repeats_once_with_the_same_key(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["ops-hook"])
    channel = hook(receiver.url(), "ops-hook")
    # The first sender claims and sends, then dies before marking: its lease is abandoned.
    with factory() as session:
        held = claim(session, "ops-hook", T0, lease_seconds=300, limit=10)
        [row] = held.rows
        channel.send(Batch(row.idempotency_key, (alert_notice(row),)))
    # While the lease runs, another sender does not touch the row.
    assert deliver_due(factory, [channel], outbox, T0 + timedelta(seconds=299))[0].sent == 0
    assert rows(factory) == {"ops-hook": "sending"}
    # After it, the row is sent again, once, with the same key; then never again.
    assert deliver_due(factory, [channel], outbox, T0 + timedelta(seconds=301))[0].sent == 1
    assert deliver_due(factory, [channel], outbox, T0 + timedelta(days=1))[0].sent == 0
    requests = receiver.wait_for(2)
    assert len(requests) == 2
    assert {r.headers["X-Budgetwatch-Id"] for r in requests} == {row.idempotency_key}
    assert rows(factory) == {"ops-hook": "sent"}


def test_concurrent_claims_never_share_a_row(factory: sessionmaker[Session]) -> None:
    for department in ("财政局", "教育局", "卫健委", "公安局"):
        add_alert(factory, ["ops-hook"], department=department)
    with factory() as first, factory() as second:
        a = claim(first, "ops-hook", T0, lease_seconds=300, limit=2)
        b = claim(second, "ops-hook", T0, lease_seconds=300, limit=10)
        c = claim(second, "ops-hook", T0, lease_seconds=300, limit=10)
    ids_a, ids_b = {r.id for r in a.rows}, {r.id for r in b.rows}
    assert len(ids_a) == 2 and len(ids_b) == 2 and not ids_a & ids_b
    assert c.rows == []


def test_a_late_sender_cannot_mark_a_row_another_sender_reclaimed(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    from alerts.outbox import mark_sent

    add_alert(factory, ["ops-hook"])
    with factory() as session:
        stale = claim(session, "ops-hook", T0, lease_seconds=300, limit=10)
    receiver.script(Answer(503))
    # Another sender reclaims after the lease and fails: the row waits for a retry.
    assert (
        deliver_due(
            factory, [hook(receiver.url(), "ops-hook")], outbox, T0 + timedelta(seconds=400)
        )[0].retrying
        == 1
    )
    with factory() as session:
        assert mark_sent(session, stale, [stale.rows[0].id], T0 + timedelta(seconds=401)) == 0
    assert rows(factory) == {"ops-hook": "pending"}


def test_a_broken_channel_never_blocks_the_others_and_its_failure_is_reported(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    broken, working = Receiver(), receiver
    try:
        add_alert(factory, ["broken", "working"])
        broken.script(Answer(404))
        channels = [hook(broken.url(), "broken"), hook(working.url(), "working")]
        first = deliver_due(factory, channels, outbox, T0)
        assert [(r.channel, r.sent, r.failed) for r in first] == [
            ("broken", 0, 1),
            ("working", 1, 0),
        ]
        # `working` ran after `broken` failed: its message announces the failure.
        assert first[1].failures_reported == 1
        [request] = working.wait_for(1)
        failures = request.json()["delivery_failures"]
        assert [(f["channel"], f["alert_id"]) for f in failures] == [("broken", 1)]
        assert "HTTP 404" in failures[0]["error"]
        assert request.json()["alert"]["id"] == 1
        # Announced once only: the next alert and an idle run carry no failure.
        add_alert(factory, ["working"], department="教育局", message="第二条预警")
        second = deliver_due(factory, channels, outbox, T0 + timedelta(minutes=5))
        assert second[1].sent == 1 and second[1].failures_reported == 0
        assert working.wait_for(2)[1].json()["delivery_failures"] == []
        assert (
            deliver_due(factory, channels, outbox, T0 + timedelta(hours=1))[1].failures_reported
            == 0
        )
        assert len(working.requests) == 2
    finally:
        broken.close()


def test_a_failure_is_announced_even_when_nothing_else_is_due(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    broken = Receiver()
    try:
        add_alert(factory, ["broken"])
        broken.script(Answer(400))
        channels = [hook(broken.url(), "broken"), hook(receiver.url(), "working")]
        assert deliver_due(factory, channels, outbox, T0)[1].failures_reported == 1
        [request] = receiver.wait_for(1)
        payload = request.json()
        assert payload["id"].startswith("failures-") and "alert" not in payload
        assert payload["delivery_failures"][0]["channel"] == "broken"
    finally:
        broken.close()


def test_channel_filters_decide_what_is_sent(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["picky"], severity="info", department="教育局")
    add_alert(factory, ["picky"], severity="critical", department="财政局")
    add_alert(factory, ["picky"], severity="critical", department="卫健委", region="永清县")
    channel = hook(receiver.url(), "picky", min_severity="warning", regions=["固安县"])
    report = deliver_due(factory, [channel], outbox, T0)[0]
    assert (report.sent, report.skipped, report.failed) == (1, 2, 0)
    [request] = receiver.wait_for(1)
    assert request.json()["alert"]["department"] == "财政局"
