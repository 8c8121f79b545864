"""How a failed or odd document response ends: gone, blocked or failed, with a readable error."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.items import Outcome
from crawler.middlewares import SiteBlocked

GONE_STATUSES = (404, 410)
SOFT_404_MARKERS = ("找不到", "页面不存在", "文件不存在", "404", "错误页面")
SOFT_404_SIZE = 2000


def failure_outcome(failure: Failure) -> tuple[Outcome, str]:
    """The outcome and error text recorded for a document request that failed."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        outcome = Outcome.GONE if status in GONE_STATUSES else Outcome.FAILED
        return outcome, f"HTTP {status}"
    if isinstance(exc, SiteBlocked):
        return Outcome.BLOCKED, f"site paused: {exc.reason}"
    if isinstance(exc, DownloadCancelledError | CancelledError):
        return (
            Outcome.FAILED,
            f"larger than the download size cap (DOWNLOAD_MAXSIZE): {exc}".rstrip(": "),
        )
    if isinstance(exc, DownloadTimeoutError | TwistedTimeoutError):
        return Outcome.FAILED, f"timed out: {exc}"
    if isinstance(exc, IgnoreRequest):
        return Outcome.BLOCKED, str(exc) or "request ignored"
    return Outcome.FAILED, f"{type(exc).__name__}: {exc}"


def soft_404(response: Response) -> bool:
    """An HTML error page served with 200 where a file was expected (portals.md §6)."""
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if "html" not in content_type or len(response.body) > SOFT_404_SIZE:
        return False
    text = response.body.decode("utf-8", "ignore")
    return any(marker in text for marker in SOFT_404_MARKERS)
