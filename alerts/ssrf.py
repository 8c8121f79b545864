"""The SSRF guard: webhooks reach only public addresses, vetted once and then connected to.

The name is resolved once; every address it resolves to is checked, and the
connection goes to one of those same addresses (the caller pins it), so a DNS
answer that changes between the check and the connect (rebinding) cannot
steer a request into the private network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alerts.failures import PermanentDeliveryError, RetryableDeliveryError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# getaddrinfo's shape: (host, port) -> the IP strings it resolves to.
Resolver = Callable[[str, int], Sequence[str]]

# Ranges that ipaddress does not flag on every Python version we support.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # CGNAT (RFC 6598): a carrier's private network
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("fc00::/7"),  # unique local
    ipaddress.ip_network("fec0::/10"),  # site-local (deprecated, still routed by some)
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(PermanentDeliveryError):
    """A webhook target that the SSRF guard refuses to connect to."""


@dataclass(frozen=True)
class VettedTarget:
    """A host name and the addresses it resolved to, all of them checked."""

    host: str
    port: int
    addresses: tuple[str, ...]


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (not loopback, private, CGNAT, …)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    flagged = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )
    return not flagged and not any(
        address in net for net in _EXTRA_BLOCKED if net.version == address.version
    )


def check_address(text: str, *, allow_private: bool) -> str:
    """Return ``text`` (an IP address) if the guard lets it through, else raise TargetRefused."""
    try:
        # Scoped IPv6 addresses (fe80::1%eth0) carry their zone after '%'.
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError as error:
        raise TargetRefused(f"not an IP address: {text!r}") from error
    if not allow_private and not is_public(address):
        raise TargetRefused(
            f"address {address} is not public (loopback, private, link-local, CGNAT or reserved);"
            " set alerts.allow_private_targets to allow it"
        )
    return text


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver; every TCP address it gives."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise RetryableDeliveryError(f"cannot resolve {host}: {error}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vet(
    host: str, port: int, *, allow_private: bool, resolver: Resolver = system_resolver
) -> VettedTarget:
    """Resolve ``host`` once and check every address; one refused address refuses the host."""
    addresses = tuple(resolver(host, port))
    if not addresses:
        raise RetryableDeliveryError(f"{host} resolves to no address")
    for address in addresses:
        try:
            check_address(address, allow_private=allow_private)
        except TargetRefused as error:
            raise TargetRefused(f"{host}: {error}") from error
    return VettedTarget(host=host, port=port, addresses=addresses)
