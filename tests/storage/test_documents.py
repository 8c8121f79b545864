"""Documents, their versions, and failed fetches."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import InputError
from storage.repository import (
    changed_versions,
    get_document,
    list_documents,
    record_document,
    record_failure,
)
from tests.storage.samples import HOUR, SHA_A, SHA_B, SOURCE, T0

LIST_PAGE = "http://www.guan.gov.cn/zzb/list.html"


def fetch(session: Session, sha256: str, at: datetime, **extra: object) -> int:
    """Record a successful fetch of SOURCE and commit; return the version id."""
    version = record_document(session, SOURCE, sha256, 1024, "application/pdf", at, **extra)  # type: ignore[arg-type]
    session.commit()
    return version.id


def test_first_fetch_creates_the_document_and_its_version(
    session: Session, factory: sessionmaker[Session]
) -> None:
    fetch(
        session,
        SHA_A,
        T0,
        title="2021年部门预算",
        referrer=LIST_PAGE,
        etag='"x1"',
        published_date=date(2021, 3, 2),
        store_path="aa/aaaa.pdf",
    )
    with factory() as fresh:
        document = get_document(fresh, SOURCE)
        assert document is not None
        assert (document.title, document.referrer, document.status) == (
            "2021年部门预算",
            LIST_PAGE,
            "ok",
        )
        assert document.published_date == date(2021, 3, 2)
        assert document.first_seen == document.last_seen == T0
        assert document.first_seen.tzinfo is not None
        [version] = document.versions
        assert (version.sha256, version.size, version.etag) == (SHA_A, 1024, '"x1"')
        assert version.store_path == "aa/aaaa.pdf"
        assert document.current_version is version


def test_same_bytes_again_only_move_last_seen(
    session: Session, factory: sessionmaker[Session]
) -> None:
    first = fetch(session, SHA_A, T0, title="2021年部门预算")
    again = fetch(session, SHA_A, T0 + HOUR)
    with factory() as fresh:
        document = get_document(fresh, SOURCE)
        assert document is not None
        assert again == first
        assert len(document.versions) == 1
        assert (document.first_seen, document.last_seen) == (T0, T0 + HOUR)
        assert document.title == "2021年部门预算"  # not erased by a fetch that had no title
        assert changed_versions(fresh, T0) == []


def test_changed_bytes_add_a_version_and_keep_the_old_one(
    session: Session, factory: sessionmaker[Session]
) -> None:
    old = fetch(session, SHA_A, T0)
    new = fetch(session, SHA_B.upper(), T0 + HOUR)  # digests compare case-insensitively
    with factory() as fresh:
        document = get_document(fresh, SOURCE)
        assert document is not None
        assert [v.id for v in document.versions] == [old, new]
        assert [v.sha256 for v in document.versions] == [SHA_A, SHA_B]
        assert document.sha256 == SHA_B
        assert document.current_version is not None and document.current_version.id == new
        assert [v.id for v in changed_versions(fresh, T0)] == [new]
        assert changed_versions(fresh, T0 + 2 * HOUR) == []


def test_a_late_report_does_not_move_last_seen_back(
    session: Session, factory: sessionmaker[Session]
) -> None:
    fetch(session, SHA_A, T0 + HOUR)
    fetch(session, SHA_A, T0)
    with factory() as fresh:
        document = get_document(fresh, SOURCE)
        assert document is not None
        assert document.last_seen == T0 + HOUR


def test_failure_is_recorded_then_cleared_by_a_success(
    session: Session, factory: sessionmaker[Session]
) -> None:
    record_failure(session, SOURCE, "HTTP 503 from www.guan.gov.cn", T0)
    record_failure(session, SOURCE, "timeout after 30 s", T0 + HOUR)
    session.commit()
    with factory() as fresh:
        [failed] = list_documents(fresh, status="failed")
        assert (failed.source, failed.error, failed.failures) == (SOURCE, "timeout after 30 s", 2)
        assert failed.sha256 is None and failed.versions == []
    fetch(session, SHA_A, T0 + 2 * HOUR)
    with factory() as fresh:
        assert list_documents(fresh, status="failed") == []
        [document] = list_documents(fresh)
        assert (document.status, document.error, document.failures) == ("ok", None, 0)
        assert document.first_seen == T0


def test_a_failure_keeps_the_versions_already_stored(
    session: Session, factory: sessionmaker[Session]
) -> None:
    fetch(session, SHA_A, T0)
    record_failure(session, SOURCE, "HTTP 404", T0 + HOUR, status="gone")
    session.commit()
    with factory() as fresh:
        [gone] = list_documents(fresh, status="gone")
        assert gone.sha256 == SHA_A and len(gone.versions) == 1


def test_documents_are_listed_in_discovery_order(session: Session) -> None:
    record_document(session, "http://b.example/2.pdf", SHA_A, 1, None, T0 + HOUR)
    record_document(session, "http://a.example/1.pdf", SHA_B, 1, None, T0)
    session.commit()
    assert [d.source for d in list_documents(session)] == [
        "http://a.example/1.pdf",
        "http://b.example/2.pdf",
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: record_document(s, SOURCE, SHA_A, 1, None, datetime(2026, 3, 1)),
        lambda s: record_document(s, SOURCE, "not-a-digest", 1, None, T0),
        lambda s: record_failure(s, SOURCE, "boom", T0, status="ok"),
        lambda s: record_failure(s, SOURCE, "boom", datetime(2026, 3, 1)),
    ],
    ids=["naive-time", "bad-digest", "ok-is-not-a-failure", "naive-failure-time"],
)
def test_bad_input_is_refused_before_touching_the_database(session: Session, call: object) -> None:
    with pytest.raises(InputError):
        call(session)  # type: ignore[operator]
    assert list_documents(session) == []
