"""Zip archives: the safety checks every zip-based format passes, and the .zip reader.

A portal's .zip usually holds one department's disclosure split into files
(narrative .doc/.pdf plus tables .xls), so the members are merged into ONE
RawDocument with pages renumbered in order; each page remembers its member.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath

from extract.model import Page, RawDocument, Table
from storage.errors import InputError

MAX_RATIO = 100  # uncompressed : compressed, per member
# Small members cannot hurt whatever their ratio, and tiny XML parts often exceed it.
RATIO_FLOOR = 1 << 20
MAX_TOTAL = 512 << 20  # uncompressed bytes in one archive
MAX_MEMBERS = 2000
MAX_DEPTH = 2  # a zip inside a zip inside a zip is refused
PROLOG_LIMIT = 1 << 20  # an XML part's prolog (before the root element) longer than this is refused
ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


class UnsafeArchiveError(InputError):
    """An archive refused for safety (bomb, path traversal, link, DTD): never read in part."""


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: zips from Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def check_member(info: zipfile.ZipInfo, where: str) -> None:
    """Refuse a member with an escaping path, a link, or a bomb's compression ratio."""
    name = member_name(info)
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or re.match(r"[A-Za-z]:", name):
        raise UnsafeArchiveError(f"{where}: member {name!r} has an unsafe path (absolute or '..')")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchiveError(f"{where}: member {name!r} is a symbolic link")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise UnsafeArchiveError(
            f"{where}: member {name!r} looks like a zip bomb (compression ratio {ratio}:1 > {MAX_RATIO}:1)"
        )


def check_zip(archive: zipfile.ZipFile, where: str) -> None:
    """Refuse an archive with too many members, too much data, or any unsafe member."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeArchiveError(f"{where}: {len(infos)} members (limit {MAX_MEMBERS})")
    for info in infos:
        check_member(info, where)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL:
        raise UnsafeArchiveError(
            f"{where}: {total >> 20} MiB uncompressed (limit {MAX_TOTAL >> 20} MiB); zip bomb?"
        )


def xml_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of an XML part before its root element (where a DTD would have to be)."""
    head = b""
    with archive.open(info) as stream:
        while len(head) < PROLOG_LIMIT:
            chunk = stream.read(65536)
            if not chunk:
                return head
            head += chunk
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                head = head.decode("utf-16", errors="ignore").encode("utf-8")
            match = ROOT_ELEMENT.search(head)
            if match:
                return head[: match.start()]
    return head


def check_ooxml(path: Path, where: str) -> None:
    """Check a .docx/.xlsx container and refuse DTDs in its XML parts (entity expansion bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, where)
            for info in archive.infolist():
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                prolog = xml_prolog(archive, info)
                if len(prolog) >= PROLOG_LIMIT or b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                    raise UnsafeArchiveError(
                        f"{where}: part {info.filename!r} declares a DTD or entities "
                        "(refused: entity-expansion attack)"
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InputError(f"{where}: damaged zip container ({exc})") from exc


def ooxml_kind(names: list[str]) -> str | None:
    """'docx' or 'xlsx' when an archive is really an Office Open XML document."""
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def natural_key(name: str) -> list[object]:
    """Sort key putting '2.表' before '10.表', as a person numbering files expects."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)
    ]


def read_zip(path: Path, source: str, depth: int = 0) -> RawDocument:
    """Read every supported member of a zip and merge them into one RawDocument."""
    if depth > MAX_DEPTH:
        raise UnsafeArchiveError(f"{source}: archives nested deeper than {MAX_DEPTH} levels")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{source}: not a readable zip archive ({exc})") from exc
    with archive, tempfile.TemporaryDirectory(prefix="budgetwatch-zip-") as tmp:
        check_zip(archive, source)
        kind = ooxml_kind(archive.namelist())
        if kind is not None:
            return read_ooxml(path, source, kind)
        members, failures = read_members(archive, source, Path(tmp), depth)
    return merge_members(members, source, failures)


def read_ooxml(path: Path, source: str, kind: str) -> RawDocument:
    """Read an OOXML document that arrived with a .zip (or no) suffix."""
    if kind == "docx":
        from extract.readers.docx import read_docx

        return read_docx(path, source)
    from extract.readers.xlsx import read_xlsx

    return read_xlsx(path, source)


def read_members(
    archive: zipfile.ZipFile, source: str, tmp: Path, depth: int
) -> tuple[list[tuple[str, RawDocument]], list[str]]:
    """Read the supported members; one that fails is skipped (and reported) if others succeed."""
    from extract.readers import SUFFIXES

    infos = [i for i in archive.infolist() if not i.is_dir()]
    infos.sort(key=lambda info: natural_key(member_name(info)))
    read: list[tuple[str, RawDocument]] = []
    failures: list[str] = []
    for index, info in enumerate(infos):
        name = member_name(info)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in SUFFIXES:
            continue  # images, signatures, Thumbs.db: not disclosures
        target = tmp / f"{index:04d}{suffix}"
        with archive.open(info) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        try:
            read.append((name, read_member(target, f"{source}!{name}", depth)))
        except UnsafeArchiveError:
            raise
        except InputError as exc:
            # One scanned cover letter must not cost us the budget tables beside it.
            failures.append(str(exc))
    if not read:
        detail = "; ".join(failures) if failures else "no member of a supported format"
        raise InputError(f"{source}: nothing readable in the archive ({detail})")
    return read, failures


def read_member(path: Path, source: str, depth: int) -> RawDocument:
    """Read one extracted member; nested zips go one level deeper."""
    from extract.readers import read_document, sniff_format

    with path.open("rb") as handle:
        head = handle.read(2048)
    if head and sniff_format(path, head, source) == "zip":
        return read_zip(path, source, depth + 1)
    return read_document(path, source)


def member_label(name: str, page: Page) -> str:
    """The member a page came from, through nested archives ('inner.zip!表.xls')."""
    inner = page.member or ""
    return f"{name}!{inner}" if inner else name


def merge_members(
    members: list[tuple[str, RawDocument]], source: str, failures: list[str]
) -> RawDocument:
    """One document from many: pages renumbered in order, tables moved to their new pages."""
    pages: list[Page] = []
    tables: list[Table] = []
    for name, doc in members:
        offset = len(pages)
        pages += [
            Page(offset + p.number, p.text, p.segments, member=member_label(name, p))
            for p in doc.pages
        ]
        tables += [replace(t, page=offset + (t.page or 1)) for t in doc.tables]
    warnings = tuple(failures) + tuple(w for _, doc in members for w in doc.warnings)
    return RawDocument(
        source=source, format="zip", pages=tuple(pages), tables=tuple(tables), warnings=warnings
    )
