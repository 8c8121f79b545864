"""Plain text files, and the one charset decoder every text-bearing reader shares."""

from __future__ import annotations

from pathlib import Path

from extract.model import Page, RawDocument
from storage.errors import InputError

# Names portals declare for what is, in practice, GB18030 (its superset).
GB_ALIASES = frozenset(
    {"gbk", "gb2312", "gb_2312-80", "gb_2312", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
)


def normalise_charset(declared: str) -> str:
    """Map a declared charset label to the codec to use (GBK family → GB18030)."""
    name = declared.strip().strip("\"'").lower()
    return "gb18030" if name in GB_ALIASES else name


def decode_bytes(data: bytes, declared: str | None = None, where: str = "") -> str:
    """Decode bytes: valid UTF-8 first, then the declared charset, GB18030, then detection."""
    # Valid UTF-8 with non-ASCII bytes is almost never another encoding by chance,
    # whereas GB18030 happily "decodes" UTF-8 into mojibake; so a wrong
    # declaration of GBK on a UTF-8 page must not win.
    candidates = ["utf-8-sig"]
    if declared:
        candidates.append(normalise_charset(declared))
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            f"{where}: cannot decode text (not UTF-8, GB18030 or a detectable charset)"
        )
    return str(best)


# Control bytes that never occur in text (tab, newline, vertical tab, form feed and CR do).
_CONTROL_BYTES = bytes(b for b in range(32) if not 9 <= b <= 13)


def looks_binary(data: bytes) -> bool:
    """True for data that is clearly not text (NUL bytes or mostly control bytes)."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    # bytes.translate deletes in C: the length lost is the count of control bytes.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
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
