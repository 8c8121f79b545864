"""Readers: one module per file format, each turning bytes into a ``RawDocument``.

``read_document`` picks the reader from the file's leading bytes first and its
suffix second, because portals serve PDFs named ``.doc`` and HTML named
``.pdf`` often enough to matter.
"""

from __future__ import annotations

from pathlib import Path

from extract.model import RawDocument
from storage.errors import InputError

SUFFIXES = (
    ".txt", ".html", ".htm", ".shtml", ".pdf", ".docx", ".doc", ".rtf", ".wps", ".xlsx", ".xls",
    ".et", ".zip",
)  # fmt: skip


def sniff_format(path: Path, head: bytes, source: str | None = None) -> str:
    """Return the format name for a file from its first bytes, falling back to its suffix."""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: .doc or .xls
        return "xls" if path.suffix.lower() in (".xls", ".et") else "doc"
    if head.startswith(b"{\\rtf"):  # portals save RTF as .doc; LibreOffice converts both
        return "doc"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        suffix = path.suffix.lower()
        if suffix in (".docx", ".wps"):
            return "docx"
        if suffix in (".xlsx", ".et"):
            return "xlsx"
        return "zip"  # the zip reader recognises OOXML inside an unlabelled zip
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("htm", "html", "shtml"):
        return "html"
    if suffix in ("txt", ""):
        return "txt"
    lowered = head[:512].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    if suffix in ("pdf", "doc", "docx", "xls", "xlsx", "zip"):
        where = source if source is not None else path
        raise InputError(f"{where}: not a valid .{suffix} file (unrecognised leading bytes)")
    return "txt"


def read_document(path: Path, source: str | None = None) -> RawDocument:
    """Read one file of any supported format into a RawDocument."""
    source = source if source is not None else str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(2048)
    except OSError as exc:
        raise InputError(f"{source}: cannot read file ({exc.strerror or exc})") from exc
    if not head:
        raise InputError(f"{source}: file is empty")
    fmt = sniff_format(path, head, source)
    # Imported lazily: a text-only run should not pay for pdfium or openpyxl.
    if fmt == "pdf":
        from extract.readers.pdf import read_pdf

        return read_pdf(path, source)
    if fmt == "txt":
        from extract.readers.text import read_text

        return read_text(path, source)
    if fmt == "html":
        from extract.readers.html import read_html

        return read_html(path, source)
    if fmt == "docx":
        from extract.readers.docx import read_docx

        return read_docx(path, source)
    if fmt == "doc":
        from extract.readers.doc import read_doc

        return read_doc(path, source)
    if fmt == "xlsx":
        from extract.readers.xlsx import read_xlsx

        return read_xlsx(path, source)
    if fmt == "xls":
        from extract.readers.xls import read_xls

        return read_xls(path, source)
    from extract.readers.archive import read_zip

    return read_zip(path, source)
