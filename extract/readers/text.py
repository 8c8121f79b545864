"""Plain text files: UTF-8 first, then GB18030, then charset detection."""

from __future__ import annotations

from pathlib import Path

from extract.model import Page, RawDocument
from storage.errors import InputError


def decode_bytes(data: bytes, declared: str | None = None, where: str = "") -> str:
    """Decode bytes as the declared charset, else UTF-8, else GB18030, else detected."""
    candidates: list[str] = []
    if declared:
        name = declared.strip().lower()
        # GBK and GB2312 pages routinely hold characters only GB18030 has.
        if name in ("gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936"):
            name = "gb18030"
        candidates.append(name)
    candidates += ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{where}: cannot decode text (not UTF-8, GB18030 or a detectable charset)")
    return str(best)


def looks_binary(data: bytes) -> bool:
    """True for data that is clearly not text (NUL bytes or mostly control bytes)."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 10


def read_text(path: Path, source: str) -> RawDocument:
    """Read a .txt file as one page."""
    data = path.read_bytes()
    if looks_binary(data):
        raise InputError(f"{source}: binary data, not a text document")
    text = decode_bytes(data, where=source).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{source}: file holds no text")
    return RawDocument(source=source, format="txt", pages=(Page(number=1, text=text),))
