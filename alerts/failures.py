"""How a send failed: worth retrying later, or never going to work."""

from __future__ import annotations

from storage.errors import DeliveryError


class RetryableDeliveryError(DeliveryError):
    """A failure that may pass: timeout, refused connection, 5xx, 429, SMTP 4xx."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        # Seconds the receiver asked us to wait (HTTP Retry-After), if it said.
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """A failure that retrying cannot fix: 4xx, SMTP 5xx, a refused target, a redirect."""
