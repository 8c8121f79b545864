"""The SSRF guard decides on the resolved address; loopback receivers prove the connection path.

Non-loopback addresses are only ever given to the decision function: no test
sends a packet anywhere but 127.0.0.1 and ::1.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from alerts.channels.webhook import WebhookChannel
from alerts.delivery import Outbox, deliver_due
from alerts.failures import PermanentDeliveryError
from alerts.notice import Batch
from alerts.settings import WebhookChannelSettings
from alerts.ssrf import TargetRefused, check_address, vet
from tests.alerts.conftest import T0, add_alert
from tests.alerts.http_receiver import Receiver

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "169.254.169.254",  # cloud metadata
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "ff02::1",
    "255.255.255.255",
    "198.18.0.1",
    "240.0.0.1",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:a00:1::1",  # 6to4 around 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_the_guard_refuses_non_public_addresses(address: str) -> None:
    with pytest.raises(TargetRefused, match="allow_private_targets"):
        check_address(address, allow_private=False)
    assert check_address(address, allow_private=True) == address


@pytest.mark.parametrize("address", ALLOWED)
def test_the_guard_allows_public_addresses(address: str) -> None:
    assert check_address(address, allow_private=False) == address


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {
            "hooks.example.org": ["93.184.216.34", "10.0.0.7"],
            "intranet.example": ["127.0.0.1"],
        }[host]

    with pytest.raises(TargetRefused, match="hooks.example.org"):
        vet("hooks.example.org", 443, allow_private=False, resolver=resolver)
    with pytest.raises(TargetRefused, match=r"intranet.example: address 127\.0\.0\.1"):
        vet("intranet.example", 443, allow_private=False, resolver=resolver)


def channel(url: str, *, allow_private: bool, resolver: object = None) -> WebhookChannel:
    settings = WebhookChannelSettings.model_validate(
        {"name": "hook", "type": "webhook", "url": url}
    )
    extra = {"resolver": resolver} if resolver else {}
    return WebhookChannel(settings, timeout=5, allow_private=allow_private, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_receivers_are_refused_before_any_request(receiver: Receiver, host: str) -> None:
    url = f"http://{host}:{receiver.port}/hook"
    with pytest.raises(TargetRefused):
        channel(url, allow_private=False).send(Batch("k1"))
    channel(url, allow_private=True).send(Batch("k2"))
    assert [r.headers["X-Budgetwatch-Id"] for r in receiver.wait_for(1)] == ["k2"]


def test_ipv6_loopback_is_refused(receiver_v6: Receiver) -> None:
    with pytest.raises(TargetRefused):
        channel(receiver_v6.url(), allow_private=False).send(Batch("k1"))
    channel(receiver_v6.url(), allow_private=True).send(Batch("k2"))
    assert [r.headers["X-Budgetwatch-Id"] for r in receiver_v6.wait_for(1)] == ["k2"]


def test_the_connection_goes_to_the_vetted_address_with_the_name_as_host(
    receiver: Receiver,
) -> None:
    answers = [["127.0.0.1"], ["203.0.113.9"]]  # a rebinding resolver: a new answer each time
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[len(calls) - 1]

    hook = channel(
        f"http://hooks.example.org:{receiver.port}/x", allow_private=True, resolver=rebinding
    )
    hook.send(Batch("pinned"))
    [request] = receiver.wait_for(1)
    assert request.headers["Host"] == f"hooks.example.org:{receiver.port}"
    assert calls == ["hooks.example.org"]  # resolved once: the checked address is the one used


def test_a_refused_target_fails_the_delivery_for_good(
    factory: sessionmaker[Session], receiver: Receiver, outbox: Outbox
) -> None:
    add_alert(factory, ["hook"])
    report = deliver_due(factory, [channel(receiver.url(), allow_private=False)], outbox, T0)[0]
    assert report.failed == 1 and "not public" in report.errors[0]
    assert receiver.requests == []


def test_refused_is_permanent() -> None:
    assert issubclass(TargetRefused, PermanentDeliveryError)
