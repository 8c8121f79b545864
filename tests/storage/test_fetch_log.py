"""Batched fetch recording: the same outcome as recording each fetch alone through the ORM."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import InputError
from storage.fetch_log import Fetch, FetchRecord, record_fetches
from storage.models import Document, DocumentStatus, DocumentVersion
from storage.repository import get_document, record_document, record_failure, store_disclosure
from tests.storage.samples import HOUR, SHA_A, SHA_B, SOURCE, T0, seed_disclosure

SHAS = (SHA_A, SHA_B, "c" * 64)
URLS = ("1.pdf", "2.html", "3.xls", "4.zip")


def one_by_one(session: Session, fetch: Fetch, seen_at: datetime) -> FetchRecord:
    """The reference: what the crawl recorded per item through the ORM before batching."""
    known = get_document(session, fetch.source)
    if fetch.kind == "failed":
        document = record_failure(session, fetch.source, fetch.error or "", seen_at,
                                  status=fetch.status)  # fmt: skip
        document.title = document.title or fetch.title
        document.referrer = document.referrer or fetch.referrer
        session.flush()
        return FetchRecord("failed")
    if fetch.kind == "unchanged":
        if known is None or known.sha256 is None or known.size is None:
            return FetchRecord("failed")
        version = record_document(session, fetch.source, known.sha256, known.size,
                                  known.content_type, seen_at)  # fmt: skip
        return FetchRecord("unchanged", None if version.disclosure else version.store_path)
    assert fetch.sha256 is not None and fetch.size is not None
    before = known.sha256 if known else None
    version = record_document(
        session, fetch.source, fetch.sha256, fetch.size, fetch.content_type, seen_at,
        title=fetch.title, referrer=fetch.referrer, published_date=fetch.published_date,
        etag=fetch.etag, last_modified=fetch.last_modified, store_path=fetch.store_path,
    )  # fmt: skip
    result = "new" if before is None else "unchanged" if before == fetch.sha256 else "changed"
    return FetchRecord(result, None if version.disclosure else version.store_path)


def random_fetch(rng: random.Random, prefix: str) -> Fetch:
    source = prefix + rng.choice(URLS)
    kind = rng.choice(["fetched", "fetched", "fetched", "unchanged", "failed"])
    maybe = lambda value: rng.choice([None, value])  # noqa: E731
    common: dict[str, Any] = {"title": maybe(f"标题{rng.randint(1, 3)}"),
                              "referrer": maybe(f"http://x.gov.cn/list_{rng.randint(1, 2)}.html")}  # fmt: skip
    if kind == "failed":
        status = rng.choice([DocumentStatus.FAILED, DocumentStatus.GONE, DocumentStatus.BLOCKED])
        return Fetch(source, "failed", status=status, error=f"HTTP {rng.randint(400, 599)}",
                     **common)  # fmt: skip
    if kind == "unchanged":
        return Fetch(source, "unchanged", **common)
    sha = rng.choice(SHAS)
    return Fetch(
        source, "fetched", sha256=sha, size=len(sha) + SHAS.index(sha), content_type=maybe("application/pdf"),
        store_path=maybe(f"/store/{sha[:8]}"), etag=maybe(f'"e{rng.randint(1, 3)}"'),
        last_modified=maybe(f"Mon, 0{rng.randint(1, 3)} Mar 2026 08:00:00 GMT"),
        published_date=maybe(date(2026, 3, rng.randint(1, 3))), **common,
    )  # fmt: skip


def state(session: Session, prefix: str) -> list[tuple[Any, ...]]:
    """Every document and version under ``prefix``, without ids."""
    documents = session.scalars(
        select(Document).where(Document.source.startswith(prefix)).order_by(Document.source)
    )
    found = []
    for d in documents:
        versions = sorted(
            (v.sha256, v.size, v.content_type, v.fetched_at, v.etag, v.last_modified, v.store_path)
            for v in d.versions
        )
        found.append((
            d.source.removeprefix(prefix), d.title, d.referrer, d.published_date, d.content_type,
            d.size, d.sha256, d.first_seen, d.last_seen, d.status, d.error, d.failures, versions,
        ))  # fmt: skip
    return found


@pytest.mark.parametrize("seed", range(6))
def test_batches_record_what_one_by_one_recording_records(session: Session, seed: int) -> None:
    rng = random.Random(seed)
    for step in range(12):
        # Batch times mostly move forward; some arrive late (a slow retry).
        seen_at = T0 + HOUR * (step + rng.choice([0, 0, 0, -3]))
        batch = [random_fetch(rng, "") for _ in range(rng.randint(1, 6))]
        expected = [one_by_one(session, replace_prefix(f, "http://a/"), seen_at) for f in batch]
        got = record_fetches(session, [replace_prefix(f, "http://b/") for f in batch], seen_at)
        session.commit()
        assert got == expected, f"seed {seed} step {step}"
        session.expire_all()
        assert state(session, "http://b/") == state(session, "http://a/"), (
            f"seed {seed} step {step}"
        )


def replace_prefix(fetch: Fetch, prefix: str) -> Fetch:
    return Fetch(**{**fetch.__dict__, "source": prefix + fetch.source})


def test_a_304_for_bytes_never_stored_fails_and_writes_nothing(session: Session) -> None:
    assert record_fetches(session, [Fetch(SOURCE, "unchanged")], T0) == [FetchRecord("failed")]
    session.commit()
    assert get_document(session, SOURCE) is None


def test_bytes_already_extracted_are_not_pending(session: Session) -> None:
    fetched = Fetch(SOURCE, "fetched", sha256=SHA_A, size=10, store_path="/store/a.pdf")
    assert record_fetches(session, [fetched], T0) == [FetchRecord("new", "/store/a.pdf")]
    session.commit()
    version = session.scalars(select(DocumentVersion)).one()
    store_disclosure(session, version, seed_disclosure())
    session.commit()
    again = record_fetches(session, [fetched, Fetch(SOURCE, "unchanged")], T0 + HOUR)
    assert again == [FetchRecord("unchanged"), FetchRecord("unchanged")]


def test_the_same_url_twice_in_a_batch_is_new_then_changed(session: Session) -> None:
    first = Fetch(SOURCE, "fetched", sha256=SHA_A, size=1, store_path="/a")
    second = Fetch(SOURCE, "fetched", sha256=SHA_B, size=2, store_path="/b")
    records = record_fetches(session, [first, second, first], T0)
    assert [r.result for r in records] == ["new", "changed", "changed"]
    session.commit()
    document = get_document(session, SOURCE)
    assert document is not None and document.sha256 == SHA_A
    assert sorted(v.sha256 for v in document.versions) == [SHA_A, SHA_B]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: record_fetches(s, [Fetch(SOURCE, "fetched", sha256="nope", size=1)], T0),
        lambda s: record_fetches(s, [Fetch(SOURCE, "failed")], datetime(2026, 3, 1)),
    ],
)
def test_bad_input_is_refused_with_its_source(session: Session, call: Any) -> None:
    with pytest.raises(InputError):
        call(session)


def test_a_refetch_clears_an_extraction_error_and_asks_for_extraction_again(
    session: Session,
) -> None:
    fetched = Fetch(SOURCE, "fetched", sha256=SHA_A, size=10, store_path="/store/a.pdf")
    record_fetches(session, [fetched], T0)
    document = get_document(session, SOURCE)
    assert document is not None
    document.error = "extraction failed: cannot open PDF"
    session.commit()
    # A 304 or the same bytes again: the file is extracted again (a better parser, or a
    # failure that was not the file's fault), so the old error no longer stands.
    for again in (Fetch(SOURCE, "unchanged"), fetched):
        assert record_fetches(session, [again], T0 + HOUR) == [
            FetchRecord("unchanged", "/store/a.pdf")
        ]
        session.commit()
        session.expire_all()
        assert get_document(session, SOURCE).error is None  # type: ignore[union-attr]
