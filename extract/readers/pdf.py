"""PDF text layer via pypdfium2 (Apache-2.0/BSD, fast): page text plus positioned segments."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from extract.model import Page, RawDocument, Segment
from storage.errors import InputError


def read_pdf(path: Path, source: str) -> RawDocument:
    """Read every page's text layer and its text runs with their boxes."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise InputError(f"{source}: cannot open PDF ({exc})") from exc
    pages: list[Page] = []
    try:
        for index in range(len(pdf)):
            try:
                page = pdf[index]
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                segments = tuple(
                    Segment(textpage.get_text_bounded(*rect), *rect)
                    for rect in (textpage.get_rect(i) for i in range(textpage.count_rects()))
                )
            except pdfium.PdfiumError as exc:
                raise InputError(f"{source}: page {index + 1}: cannot read text ({exc})") from exc
            pages.append(Page(number=index + 1, text=text.replace("\r\n", "\n"), segments=segments))
    finally:
        pdf.close()
    if not any(page.text.strip() for page in pages):
        raise InputError(f"{source}: PDF has no text layer (scanned image?); OCR is not supported")
    return RawDocument(source=source, format="pdf", pages=tuple(pages))
