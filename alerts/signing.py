"""Webhook signatures: what budgetwatch sends, and the check a receiver can copy.

Every JSON webhook carries three headers:

- ``X-Budgetwatch-Id``: the delivery's idempotency key, the same on every retry;
  a receiver that has seen it already should answer 2xx and do nothing.
- ``X-Budgetwatch-Timestamp``: unix seconds when the request was signed.
- ``X-Budgetwatch-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed with
  the channel's secret, of ``"<timestamp>.<body>"`` (the raw body bytes).

``verify_signature`` needs only ``hashlib``, ``hmac`` and ``time``: copy it into a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import time

ID_HEADER = "X-Budgetwatch-Id"
TIMESTAMP_HEADER = "X-Budgetwatch-Timestamp"
SIGNATURE_HEADER = "X-Budgetwatch-Signature"
SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Budgetwatch-Signature`` value for ``body`` sent at ``timestamp``."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """True if ``signature`` signs ``body`` at ``timestamp`` with ``secret`` and is recent.

    Pass the raw request body (not re-serialised JSON) and the two header values.
    Refusing old timestamps stops a captured request from being replayed later.
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        return False
    message = str(sent_at).encode("ascii") + b"." + body
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    # compare_digest takes as long for a near miss as for a wild guess.
    return hmac.compare_digest(expected, signature or "")
