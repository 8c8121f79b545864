"""The extract step as the CLI and the cycle run it: isolate, collect, optionally store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from extract.sandbox import ExtractResult

from extract.readers import SUFFIXES
from storage.errors import InputError

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class ExtractOptions:
    workers: int
    timeout_seconds: float
    memory_mb: int


def expand_inputs(paths: Sequence[str]) -> list[tuple[Path, str]]:
    """Files as given, directories expanded to their supported files (sorted); (path, source)."""
    items: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                raise InputError(f"{raw}: directory holds no supported documents ({', '.join(SUFFIXES)})")
            items += [(p, str(p)) for p in found]
        else:
            items.append((path, raw))
    return items


def run_extraction(items: Sequence[tuple[Path, str]], options: ExtractOptions) -> Iterator[ExtractResult]:
    """Extract each file in an isolated worker; results come back in input order."""
    from extract.sandbox import extract_many

    return extract_many(
        items,
        workers=options.workers,
        timeout=options.timeout_seconds,
        memory_mb=options.memory_mb,
    )


def file_sha256(path: Path) -> tuple[str, int]:
    """sha256 hex digest and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def store_result(factory: sessionmaker[Session], path: Path, result: ExtractResult) -> None:
    """Record the document (a new version when its bytes changed) and its disclosure or failure."""
    from storage import repository

    now = datetime.now(UTC)
    with factory.begin() as session:
        if result.disclosure is None:
            repository.record_failure(session, result.source, result.error or "unknown error", now)
            return
        sha256, size = file_sha256(path)
        version = repository.record_document(
            session,
            source=result.source,
            sha256=sha256,
            size=size,
            content_type=CONTENT_TYPES.get(result.disclosure.format, "application/octet-stream"),
            seen_at=now,
        )
        repository.store_disclosure(session, version, result.disclosure)
