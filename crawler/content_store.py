"""A content-addressed store of downloaded bytes: one file per SHA-256, never a server's name."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote

from crawler.discovery import ATTACHMENT_SUFFIXES

# Stored suffixes come from this list only, so nothing the server says reaches a path.
SUFFIXES = (*ATTACHMENT_SUFFIXES, "html", "bin")
_MIME_SUFFIX = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/zip": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
}
MIME_TYPES = {suffix: mime for mime, suffix in _MIME_SUFFIX.items()}
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", re.I)
_FILENAME = re.compile(r"""filename\s*=\s*(?:"([^"]*)"|([^;]+))""", re.I)


def disposition_filename(header: bytes | None) -> str | None:
    """The filename of a Content-Disposition header: RFC 5987, percent-encoded, UTF-8 or GBK."""
    if not header:
        return None
    for encoding in ("utf-8", "gb18030", "latin-1"):
        try:
            text = header.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    star = _FILENAME_STAR.search(text)
    if star:
        return unquote(star.group(2).strip(), encoding=star.group(1), errors="replace")
    plain = _FILENAME.search(text)
    if plain is None:
        return None
    return unquote((plain.group(1) or plain.group(2) or "").strip()) or None


def sniff_suffix(body: bytes, hint: str | None = None, content_type: str | None = None) -> str:
    """The stored suffix: from the leading bytes, then the link's type, then the MIME type."""
    hint = (hint or "").lower()
    head = body[:2048]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2 holds .doc, .xls, .wps and .et alike
        return hint if hint in ("doc", "xls", "wps", "et") else "doc"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if hint in ("docx", "xlsx", "wps", "et"):
            return hint
        return "docx" if b"word/" in body[:65536] else "xlsx" if b"xl/" in body[:65536] else "zip"
    if hint in SUFFIXES:
        return hint
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in _MIME_SUFFIX:
        return _MIME_SUFFIX[mime]
    lowered = head.lower()
    return "html" if b"<html" in lowered or b"<!doctype html" in lowered else "bin"


class ContentStore:
    """Files under ``root/ab/<sha256>.<suffix>``; the same bytes are written once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str, suffix: str) -> Path:
        """Where the bytes with this digest live."""
        if suffix not in SUFFIXES:
            raise ValueError(f"suffix {suffix!r} is not one the store writes")
        return self.root / sha256[:2] / f"{sha256}.{suffix}"

    def put(self, body: bytes, suffix: str) -> tuple[str, Path]:
        """Store ``body`` (atomically: a killed crawl leaves no half file); return sha256 and path."""
        sha256 = hashlib.sha256(body).hexdigest()
        path = self.path_for(sha256, suffix)
        if path.exists():
            return sha256, path
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256, path

    @staticmethod
    def read_path(stored: str) -> bytes | None:
        """The bytes at a stored path (as recorded in the database), if still there."""
        try:
            return Path(stored).read_bytes()
        except OSError:
            return None
