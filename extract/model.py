"""Plain data passed between the readers, the parsers and the callers of extract.

Readers turn a file into a ``RawDocument`` (page texts, plus positioned text
segments for PDFs, plus grid tables for Word/Excel).  Parsers turn that into
``Figure`` candidates and ``Target`` rows.  ``extract_file`` returns one
``Disclosure``.  Everything is frozen so that stages cannot edit each other's
results behind their backs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Origin = Literal["narrative", "table"]
Kind = Literal["budget", "final"]
NoteKind = Literal["placeholder", "wrong_year", "blank_three_public_table", "missing_table"]


@dataclass(frozen=True)
class Segment:
    """A run of text on a PDF page with its box (PDF points, origin bottom-left)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    """One page of a document: its text in reading order, and for PDFs its segments."""

    number: int  # 1-based; text files are one page
    text: str
    segments: tuple[Segment, ...] = ()
    member: str | None = None  # the archive member the page came from ("表.xls", "a.zip!b.pdf")


@dataclass(frozen=True)
class Table:
    """A table as a grid of cell strings (Word/Excel, or rebuilt from PDF positions)."""

    rows: tuple[tuple[str, ...], ...]
    title: str | None = None  # e.g. "“三公”经费支出预算表", from the caption or sheet
    unit: str | None = None  # the header's unit as written: "万元", "元"
    page: int | None = None  # page or sheet number, 1-based
    name: str | None = None  # sheet name or table id ("公开09表")


@dataclass(frozen=True)
class RawDocument:
    """What a reader made of a file, before any budget parsing."""

    source: str  # the path (or URL) as given
    format: str  # "txt", "html", "pdf", "docx", "doc", "xlsx", "xls"
    pages: tuple[Page, ...]
    tables: tuple[Table, ...] = ()
    warnings: tuple[str, ...] = ()  # parts that could not be read, e.g. a broken zip member

    @property
    def text(self) -> str:
        """The whole text, pages separated by form feeds."""
        return "\f".join(page.text for page in self.pages)


@dataclass(frozen=True)
class Evidence:
    """Where a figure came from: the sentence or the table cell, and the page."""

    text: str
    page: int | None = None
    offset: int | None = None  # character offset in the page text (narrative)
    origin: Origin = "narrative"
    table: str | None = None  # table title for table evidence
    cell: str | None = None  # "row label / column label" for table evidence


@dataclass(frozen=True)
class Figure:
    """One candidate value for a canonical metric (``../shared/metrics.md``)."""

    metric: str
    value: Decimal  # yuan for money, a whole number for counts
    unit: str  # the unit as written ("万元", "元", "亿元", "辆")
    evidence: Evidence
    raw: str = ""  # the number as written ("7,769.34")


@dataclass(frozen=True)
class Conflict:
    """Narrative and table disagree beyond rounding for one metric."""

    metric: str
    chosen: Figure
    other: Figure


@dataclass(frozen=True)
class Target:
    """One performance-target indicator row (绩效目标表)."""

    project: str
    level1: str  # 一级指标
    level2: str  # 二级指标
    level3: str  # 三级指标
    description: str = ""  # 指标内容 / 指标描述
    comparator: str = ""  # ≤ ≥ = < > or ""
    value: str = ""  # the value without comparator and unit: "95" of "≥95%", or "按时完成"
    unit: str = ""
    basis: str = ""  # 评(扣)分标准 / 指标值确定依据
    page: int | None = None


@dataclass(frozen=True)
class QualityNote:
    """A defect of the document itself: a template leftover, a stale year, a blank or absent table."""

    kind: NoteKind
    detail: str  # what is wrong, in a few words: "目录列出的“政府采购预算表”未见于文件"
    page: int | None = None
    evidence: str = ""  # the line or sentence showing it


@dataclass(frozen=True)
class Disclosure:
    """The result of extracting one document."""

    source: str
    format: str
    region: str | None
    department: str | None
    year: int | None
    kind: Kind | None
    figures: dict[str, Figure] = field(default_factory=dict)  # the chosen value per metric
    candidates: tuple[Figure, ...] = ()  # every candidate, chosen or not
    conflicts: tuple[Conflict, ...] = ()
    targets: tuple[Target, ...] = ()
    pages: int = 1
    warnings: tuple[str, ...] = ()
    notes: tuple[QualityNote, ...] = ()
