"""Hostile and broken files end as one clear InputError naming the file, never a hang or crash."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from extract.readers import read_document
from storage.errors import InputError
from tests.fixtures import documents

Maker = Callable[[Path], Path]


def write_bytes(name: str, data: bytes) -> Maker:
    """A maker writing fixed bytes under a given name."""

    def make(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    return make


def docx_with_bomb_part(directory: Path) -> Path:
    """A .docx that carries a 20 MB part of zeros (a bomb inside the Office container)."""
    path = documents.write_docx(directory / "bomb.docx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/zeros.bin", bytes(20 << 20))
    return path


GARBAGE = bytes(range(256)) * 16
CASES: dict[str, tuple[Maker, str]] = {
    "empty file": (write_bytes("empty.pdf", b""), "file is empty"),
    "garbage named .pdf": (write_bytes("x.pdf", GARBAGE), "not a valid .pdf file"),
    "garbage named .docx": (write_bytes("x.docx", GARBAGE), "not a valid .docx file"),
    "garbage named .xlsx": (write_bytes("x.xlsx", GARBAGE), "not a valid .xlsx file"),
    "garbage without suffix": (write_bytes("x", GARBAGE), "binary data"),
    "damaged OLE named .xls": (
        write_bytes("x.xls", b"\xd0\xcf\x11\xe0" + GARBAGE),
        "damaged Excel 97",
    ),
    "zip header only, named .docx": (write_bytes("x.docx", b"PK\x03\x04" + GARBAGE), "damaged zip"),
    "truncated PDF": (
        lambda d: documents.write_truncated_pdf(d / "cut.pdf", d / "full.pdf"),
        "cannot open PDF",
    ),
    "encrypted PDF": (
        lambda d: documents.write_pdf(d / "locked.pdf", encrypt="secret"),
        "password",
    ),
    "billion laughs .docx": (
        lambda d: documents.write_billion_laughs_docx(d / "laughs.docx"),
        "declares a DTD or entities",
    ),
    "billion laughs .xlsx": (
        lambda d: documents.write_billion_laughs_xlsx(d / "laughs.xlsx"),
        "declares a DTD or entities",
    ),
    "zip bomb": (lambda d: documents.write_zip_bomb(d / "bomb.zip"), "looks like a zip bomb"),
    "bomb inside .docx": (docx_with_bomb_part, "looks like a zip bomb"),
    "../ member": (lambda d: documents.write_traversal_zip(d / "t.zip"), "unsafe path"),
    "symlink member": (lambda d: documents.write_symlink_zip(d / "s.zip"), "symbolic link"),
    "zip nested 4 deep": (
        lambda d: documents.write_nested_zip(d / "n.zip", depth=4),
        "nested deeper than 2 levels",
    ),
    "zip of pictures only": (
        lambda d: documents.write_zip(d / "p.zip", {"a.png": b"\x89PNG"}),
        "no member of a supported format",
    ),
    "bomb in a nested zip": (
        lambda d: documents.write_zip(
            d / "outer.zip",
            {"说明.txt": b"ok", "inner.zip": documents.write_zip_bomb(d / "i.zip").read_bytes()},
        ),
        "looks like a zip bomb",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_raises_one_clear_error(case: str, tmp_path: Path) -> None:
    maker, expected = CASES[case]
    path = maker(tmp_path)
    with pytest.raises(InputError) as raised:
        read_document(path, source=f"portal/{path.name}")
    message = str(raised.value)
    assert message.startswith(f"portal/{path.name}"), (
        f"{case}: message must name the file: {message}"
    )
    assert expected in message, f"{case}: {message}"


def test_a_member_that_fails_is_skipped_when_others_read(tmp_path: Path) -> None:
    archive = documents.write_zip(
        tmp_path / "bundle.zip",
        {"1.说明.txt": "\n".join(documents.NARRATIVE).encode(), "2.扫描件.pdf": b"%PDF-1.4 broken"},
    )
    doc = read_document(archive)
    assert [page.number for page in doc.pages] == [1]
    assert documents.NARRATIVE[1] in doc.text
    # The skipped member is not lost silently: its failure travels with the document.
    assert len(doc.warnings) == 1 and "2.扫描件.pdf" in doc.warnings[0]


def test_deeply_nested_html_does_not_exhaust_the_stack(tmp_path: Path) -> None:
    page = tmp_path / "deep.html"
    page.write_text(
        "<div>" * 100_000 + "拨款收入1,234.56万元" + "</div>" * 100_000, encoding="utf-8"
    )
    assert "1,234.56万元" in read_document(page).text


def test_doc_without_libreoffice_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
    doc = tmp_path / "old.doc"
    doc.write_bytes((documents.FILES / "budget.doc").read_bytes())
    with pytest.raises(
        InputError, match="LibreOffice is not installed.*apt-get install libreoffice-writer-nogui"
    ):
        read_document(doc)
