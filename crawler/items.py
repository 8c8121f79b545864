"""What the spider hands to the pipeline: one fetched (or failed) document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Outcome(StrEnum):
    """How fetching a document ended."""

    FETCHED = "fetched"  # bytes came back
    NOT_MODIFIED = "not_modified"  # 304 to a conditional request: the stored bytes still hold
    FAILED = "failed"  # worth retrying next crawl (5xx, timeout, over the size cap)
    GONE = "gone"  # 404 / 410
    BLOCKED = "blocked"  # anti-bot challenge, robots.txt


@dataclass
class DocumentItem:
    """A disclosure document: an attachment, or a detail page that holds the text itself."""

    url: str
    outcome: Outcome
    referrer: str | None = None  # the list page that linked to it
    title: str | None = None
    published: date | None = None
    body: bytes | None = None
    content_type: str | None = None
    suffix_hint: str | None = None  # the type the link or Content-Disposition named
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
