"""The content-addressed store: names from digests, one copy per content, atomic writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crawler.content_store import ContentStore, disposition_filename, sniff_suffix


def test_same_bytes_are_stored_once_under_their_digest(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    body = b"%PDF-1.7 budget"
    first = store.put(body, "pdf")
    second = store.put(body, "pdf")
    digest = hashlib.sha256(body).hexdigest()
    assert first == second == (digest, tmp_path / digest[:2] / f"{digest}.pdf")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [first[1]]
    assert ContentStore.read_path(str(first[1])) == body


def test_suffixes_outside_the_list_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ContentStore(tmp_path).path_for("ab" * 32, "../../etc/passwd")


@pytest.mark.parametrize(
    ("body", "hint", "content_type", "suffix"),
    [
        (b"%PDF-1.4", None, "application/octet-stream", "pdf"),
        (b"%PDF-1.4", "doc", None, "pdf"),  # a PDF named .doc is a PDF
        (b"\xd0\xcf\x11\xe0rest", "xls", None, "xls"),
        (b"\xd0\xcf\x11\xe0rest", None, None, "doc"),
        (b"PK\x03\x04....word/document.xml", None, None, "docx"),
        (b"PK\x03\x04....xl/workbook.xml", None, None, "xlsx"),
        (b"PK\x03\x04....other.txt", None, None, "zip"),
        (b"<!DOCTYPE html><html>", None, None, "html"),
        (b"\x00\x01", None, "application/x-unknown", "bin"),
    ],
)
def test_sniffed_suffix(
    body: bytes, hint: str | None, content_type: str | None, suffix: str
) -> None:
    assert sniff_suffix(body, hint, content_type) == suffix


def test_content_disposition_names() -> None:
    rfc5987 = b"attachment; filename=\"a.pdf\"; filename*=UTF-8''%E9%A2%84%E7%AE%97.pdf"
    assert disposition_filename(rfc5987) == "预算.pdf"
    raw_gbk = 'attachment; filename="预算表.xls"'.encode("gbk")
    assert disposition_filename(raw_gbk) == "预算表.xls"
    assert disposition_filename(b'attachment; filename="%E5%86%B3%E7%AE%97.docx"') == "决算.docx"
    assert disposition_filename(None) is None
