"""HTTP POST to a webhook over a connection pinned to the address the SSRF guard vetted."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from alerts.failures import PermanentDeliveryError, RetryableDeliveryError
from alerts.ssrf import Resolver, VettedTarget, system_resolver, vet

MAX_RESPONSE_BYTES = 64 * 1024  # a robot's answer is a small JSON object
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HttpResponse:
    """What a receiver answered: status, headers (lower-case names) and the start of the body."""

    status: int
    headers: dict[str, str]
    body: bytes


def public_url(url: str) -> str:
    """``scheme://host:port`` only: paths and queries of robot URLs carry their tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or DEFAULT_PORTS.get(parts.scheme, '')}"


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a vetted address; the Host header keeps the name."""

    def __init__(self, target: VettedTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def _open_socket(self) -> socket.socket:
        """Connect to the first vetted address that answers, never to a fresh DNS answer."""
        last_error: OSError | None = None
        for address in self.target.addresses:
            try:
                return socket.create_connection((address, self.target.port), self.timeout)
            except OSError as error:
                last_error = error
        assert last_error is not None  # vet() never returns an empty address list
        raise last_error

    def connect(self) -> None:
        self.sock = self._open_socket()


class PinnedHTTPSConnection(PinnedHTTPConnection):
    """HTTPS to a vetted address, with SNI and certificate checks against the name."""

    def __init__(self, target: VettedTarget, timeout: float) -> None:
        super().__init__(target, timeout)
        self.context = ssl.create_default_context()

    def connect(self) -> None:
        self.sock = self.context.wrap_socket(self._open_socket(), server_hostname=self.target.host)


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a webhook URL, or a permanent error."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise PermanentDeliveryError(
            f"webhook URL must be http(s)://host/…, got {parts.scheme}://…"
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme], path


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_private: bool,
    resolver: Resolver = system_resolver,
) -> HttpResponse:
    """POST ``body`` once; redirects are answers, not followed. Network failures are retryable."""
    scheme, host, port, path = _split(url)
    target = vet(host, port, allow_private=allow_private, resolver=resolver)
    kind = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    connection = kind(target, timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read(MAX_RESPONSE_BYTES)
        names = {name.lower(): value for name, value in response.getheaders()}
        return HttpResponse(response.status, names, content)
    except ssl.SSLCertVerificationError as error:
        raise PermanentDeliveryError(
            f"{public_url(url)}: TLS certificate refused: {error.verify_message}"
        ) from error
    except (OSError, http.client.HTTPException) as error:
        # Timeouts, refused or reset connections, garbled answers: the receiver may recover.
        reason = (
            "timed out" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {error}"
        )
        raise RetryableDeliveryError(f"{public_url(url)}: {reason}") from error
    finally:
        connection.close()


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), if valid."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def check_status(url: str, response: HttpResponse, now: datetime) -> None:
    """Raise unless the answer is 2xx: 5xx, 408 and 429 may pass, other answers will not."""
    status = response.status
    if 200 <= status < 300:
        return
    where = f"{public_url(url)}: HTTP {status}"
    if 300 <= status < 400:
        raise PermanentDeliveryError(f"{where} (redirects are not followed)")
    if status in (408, 425, 429) or status >= 500:
        wait = retry_after_seconds(response.headers.get("retry-after"), now)
        raise RetryableDeliveryError(where, retry_after=wait)
    raise PermanentDeliveryError(where)
