"""Figures from the standard disclosure tables (PDF, Excel, Word, flattened text).

Every table, whatever its source, arrives as a grid of cell strings.  A value
cell is read through its row label (the nearest text cell to its left) and its
column label (the header path above it); the table's title says which family
of metrics it can hold and how much it is trusted (all-funds totals beat
财政拨款 ones, trap 7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from extract.fields import DocumentFields
from extract.model import Evidence, Figure, Kind, RawDocument, Table
from extract.numbers import UNIT_FACTORS, to_yuan

AMOUNT = re.compile(
    r"^(?P<num>[-－—]?\s*\d[\d,，]*(?:\.\d+)?)\s*(?P<unit>千万元|百万元|亿元|万元|千元|万|亿|元)?$"
)
UNIT_IN_TEXT = re.compile(r"单\s*位\s*[:：]\s*(千万元|百万元|亿元|万元|千元|元)")
YEAR = re.compile(r"(20\d\d)\s*年")


@dataclass(frozen=True)
class Context:
    """What the tables need to know about the document."""

    year: int | None
    kind: Kind | None


def table_figures(doc: RawDocument, fields: DocumentFields) -> list[Figure]:
    """Every figure read from the document's standard tables, best candidate first per metric."""
    tables = list(doc.tables) + list(document_tables(doc))
    context = Context(year=fields.year or guess_year(doc), kind=fields.kind or guess_kind(doc))
    ranked: list[tuple[float, int, Figure]] = []
    for table in tables:
        for rank, figure in grid_figures(table, context):
            ranked.append((rank, len(ranked), figure))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return prefer_exact([figure for _, _, figure in ranked])


def prefer_exact(figures: list[Figure]) -> list[Figure]:
    """Move a value printed with fen ahead of the same value printed rounded (trap 13).

    One table may print '22,118,861' where another prints '22,118,861.34': the
    rounded cell is not wrong, just less exact, so the exact one wins.
    """
    result = list(figures)
    best: dict[str, int] = {}
    for index, figure in enumerate(figures):
        best.setdefault(figure.metric, index)
    for index in best.values():
        rounded = figures[index]
        if "." in rounded.raw or rounded.unit not in UNIT_FACTORS:
            continue
        step = UNIT_FACTORS[rounded.unit]  # the last printed digit is worth one unit
        exact = next(
            (
                f
                for f in figures[index + 1 :]
                if f.metric == rounded.metric
                and "." in f.raw
                and f.unit == rounded.unit
                and abs(f.value - rounded.value) < step
            ),
            None,
        )
        if exact is not None:
            result.remove(exact)
            result.insert(result.index(rounded), exact)
    return result


def document_tables(doc: RawDocument) -> Iterable[Table]:
    """Tables rebuilt from PDF positions, or from flattened lines of a text page."""
    if doc.format == "pdf":
        from extract.pdf_tables import pdf_tables

        yield from pdf_tables(doc.pages)
        return
    if doc.format in GRID_FORMATS and doc.tables:
        # The page text of a workbook or Word file repeats its grids as '|' lines;
        # read again, they lose the merged header cells and shift columns.
        return
    from extract.text_tables import text_tables

    for page in doc.pages:
        yield from text_tables(page)


def guess_year(doc: RawDocument) -> int | None:
    """The most frequent 'YYYY年' of the opening text, when the fields step found none."""
    counts: dict[int, int] = {}
    for match in YEAR.finditer(doc.text[:3000]):
        counts[int(match.group(1))] = counts.get(int(match.group(1)), 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def guess_kind(doc: RawDocument) -> Kind:
    """'final' when the opening text speaks of 决算, else 'budget'."""
    head = doc.text[:3000]
    return "final" if head.count("决算") > head.count("预算") // 2 and "决算" in head else "budget"


def parse_amount(text: str) -> tuple[str, str | None] | None:
    """('1,467.70', None) or ('44', '万元') for an amount cell; None for anything else."""
    match = AMOUNT.match(text.strip())
    if match is None:
        return None
    return match.group("num"), match.group("unit")


def header_depth(table: Table) -> int:
    """Rows before the first row holding an amount (the header and caption rows)."""
    for index, row in enumerate(table.rows):
        if any(parse_amount(cell) for cell in row[1:]) or (len(row) == 1 and parse_amount(row[0])):
            return index
    return len(table.rows)


def column_labels(table: Table, depth: int) -> list[str]:
    """One header path per column, filling horizontally merged cells from the left."""
    width = max((len(row) for row in table.rows), default=0)
    header = [list(row) + [""] * (width - len(row)) for row in table.rows[:depth]]
    header = [row for row in header if not is_caption_row(row)]
    for r, row in enumerate(header):
        for c in range(1, width):
            below = any(header[k][c] for k in range(r + 1, len(header)))
            if not row[c] and below:
                row[c] = row[c - 1]
    labels = []
    for c in range(width):
        parts: list[str] = []
        for row in header:
            text = "".join(row[c].split())
            if text and text not in parts:
                parts.append(text)
        labels.append("/".join(parts))
    return labels


def is_caption_row(row: list[str]) -> bool:
    """A title or unit row of a grid: one filled cell, or a '单位：' cell."""
    filled = [cell for cell in row if cell.strip()]
    return len(filled) <= 1 or any(UNIT_IN_TEXT.search(cell) for cell in filled)


def table_unit(table: Table) -> str:
    """The unit the table's header declares, 元 when it declares none."""
    if table.unit:
        return table.unit
    for row in table.rows[:6]:
        for cell in row:
            match = UNIT_IN_TEXT.search(cell)
            if match:
                return match.group(1)
    return "元"


def table_title(table: Table) -> str:
    """The caption, else the text of the leading caption rows."""
    if table.title:
        return table.title
    parts = []
    for row in table.rows[:3]:
        filled = [cell.strip() for cell in row if cell.strip()]
        if len(filled) == 1 and not parse_amount(filled[0]):
            parts.append(filled[0])
    return " ".join(parts)


def row_labels(
    row: tuple[str, ...],
) -> tuple[list[tuple[str, str | None] | None], list[str], list[int]]:
    """Each cell's amount (None for text), row label and the label's column, in one pass.

    The row label is the nearest text cell to the left of a value (two-sided
    收支 tables have two labels in a row); its column is -1 when there is none.
    """
    amounts: list[tuple[str, str | None] | None] = []
    labels: list[str] = []
    label_columns: list[int] = []
    label, label_column = "", -1
    for c, raw in enumerate(row):
        labels.append(label)
        label_columns.append(label_column)
        cell = raw.strip()
        amount = parse_amount(cell) if cell else None
        amounts.append(amount)
        if cell and amount is None and not cell.isdigit():
            label, label_column = cell, c
    return amounts, labels, label_columns


# 本年收入合计 / 本年支出合计: this year's money only, without 上年结转 / 年末结转 (a
# final's 总计 lines include them, and a budget's 收入总计 includes 上年结转).
SUBTOTAL_ROW = re.compile(r"^本年(?:收入|支出)(?:预算|决算)?合计")
GRID_FORMATS = frozenset({"xlsx", "xls", "docx", "doc"})
# 公务用车购置数（辆）, 人数（人）: counts, not money, whatever the table's unit.
COUNT_ROW = re.compile(r"[（(](?:辆|台|人|个|次|批次|人次|家|项)[)）]|保有量")
VEHICLE_HOLDING = re.compile(r"保有量?|实有|现有")
CODE_COLUMN = re.compile(r"编码|代码|编号")


def side_totals(table: Table, depth: int) -> dict[int, str]:
    """Label column → the total a bare 合计/总计 there names, in a two-sided 收支 table.

    The 收入 side lists 收入 lines and the 支出 side 支出 lines: the words in a
    label column say which total its bare 总计 row is.
    """
    words: dict[int, list[int]] = {}
    for row in table.rows[depth:]:
        for c, cell in enumerate(row):
            text = normalise(cell)
            if text and parse_amount(text) is None:
                counts = words.setdefault(c, [0, 0])
                counts[0] += "收入" in text
                counts[1] += "支出" in text
    sides = {}
    for c, (revenue, spending) in words.items():
        if revenue > spending:
            sides[c] = "revenue_total"
        elif spending > revenue:
            sides[c] = "expenditure_total"
    return sides


def grid_figures(table: Table, context: Context) -> list[tuple[float, Figure]]:
    """(rank, figure) for every value cell of one grid that names a metric."""
    depth = header_depth(table)
    labels = column_labels(table, depth)
    title = table_title(table)
    family = table_family(title, labels, [row[0] for row in table.rows[depth:] if row])
    if family is None:
        return []
    unit = table_unit(table)
    if unit not in UNIT_FACTORS:
        return []
    roles = [column_role(label, context.year, context.kind, labels) for label in labels]
    # Skipped columns (a final's 预算数 group) are blanked, so that the 合计 the
    # layout names the 三公 total is the one of the group that is read.
    kept = [label if role != "skip" else "" for label, role in zip(labels, roles, strict=True)]
    sangong = sangong_columns(kept) if family.name == "sangong" else {}
    sides = side_totals(table, depth) if family.name == "summary" else {}
    reading = Reading(family, labels, roles, sangong, sides, context, title, unit, table.page)
    found: list[tuple[float, Figure]] = []
    for row in table.rows[depth:]:
        row_found = row_figures(row, reading)
        if family.name != "sangong" or adds_up({f.metric: f.value for _, f in row_found}):
            found += row_found
    return found


def adds_up(values: dict[str, Decimal]) -> bool:
    """True unless a 三公 row's parts contradict its totals (columns read out of place).

    A blank part is a zero; a row with fewer than three 三公 values (one item
    per row) has nothing to check.
    """
    if len(values) < 3:
        return True
    get = values.get
    zero = Decimal(0)
    vehicle = get("three_public_vehicle")
    if vehicle is not None and "three_public_vehicle_operation" in values:
        parts = (
            get("three_public_vehicle_purchase", zero) + values["three_public_vehicle_operation"]
        )
        if parts != vehicle:
            return False
    total = get("three_public_total")
    if total is None or vehicle is None or "three_public_reception" not in values:
        return True
    parts = get("three_public_outbound", zero) + vehicle + values["three_public_reception"]
    return parts == total


@dataclass(frozen=True)
class Reading:
    """How one grid's cells are read: its family, column labels and roles, unit, title."""

    family: Family
    labels: list[str]
    roles: list[str]
    sangong: dict[int, str]
    sides: dict[int, str]
    context: Context
    title: str
    unit: str
    page: int | None


def row_figures(row: tuple[str, ...], grid: Reading) -> list[tuple[float, Figure]]:
    """(rank, figure) for the value cells of one body row."""
    found: list[tuple[float, Figure]] = []
    amounts, row_label, label_column = row_labels(row)
    for c, amount in enumerate(amounts):
        if amount is None or c >= len(grid.labels) or grid.roles[c] == "skip":
            continue
        label, column = row_label[c], grid.labels[c]
        if COUNT_ROW.search(normalise(label)):
            found += count_figure(label, amount, row, column, grid.title, grid.page)
            continue
        metric = cell_metric(grid.family, label, column, grid.sangong.get(c))
        if metric is None and is_total_label(label):
            metric = grid.sides.get(label_column[c])
        if metric is None:
            continue
        subtotal = bool(SUBTOTAL_ROW.match(normalise(label)))
        if subtotal and grid.context.kind == "final":
            continue  # a final's revenue/expenditure totals are the 总计 lines
        if grid.roles[c] == "change":
            metric += "_change"
        cell = f"{label or '-'} / {column or '-'}"
        figure = make_figure(metric, amount, grid.unit, row, cell, grid.title, grid.page)
        if figure is not None:
            found.append((grid.family.rank_of(metric) + 0.5 * subtotal, figure))
    return found


def count_figure(
    label: str,
    amount: tuple[str, str | None],
    row: tuple[str, ...],
    column: str,
    title: str,
    page: int | None,
) -> list[tuple[float, Figure]]:
    """A vehicle holding row (公务用车保有量（辆）) as ``vehicles_count``; other counts none."""
    raw = amount[0]
    if not (VEHICLE_HOLDING.search(label) and "车" in label and raw.isdigit()):
        return []
    text = " | ".join(cell for cell in row if cell.strip())
    evidence = Evidence(text=text, page=page, origin="table", table=title or None,
                        cell=f"{label} / {column or '-'}")  # fmt: skip
    return [(0.0, Figure("vehicles_count", Decimal(raw), "辆", evidence, raw))]


def cell_metric(family: Family, label: str, column: str, sangong_metric: str | None) -> str | None:
    """The metric a value cell states, from its row label and column label."""
    by_row = metric_for_label(label, family)
    if sangong_metric is not None:
        return sangong_metric if (not label or is_total_label(label) or by_row is None) else None
    leaf = column.rsplit("/", 1)[-1]
    by_column = metric_for_label(leaf, family) or metric_for_label(column.replace("/", ""), family)
    if by_column is not None and (not label or is_total_label(label)):
        return by_column
    if by_row is not None and (by_column is None or by_column == by_row):
        return by_row
    if is_total_label(label) and by_column is None and family.total_metric:
        return family.total_metric
    return None


def make_figure(
    metric: str,
    amount: tuple[str, str | None],
    unit: str,
    row: tuple[str, ...],
    cell: str,
    title: str,
    page: int | None,
) -> Figure | None:
    """A table Figure with its evidence; the cell's own unit overrides the table's.

    ``cell`` names the value's cell as "row label / column label".
    """
    raw, cell_unit = amount
    used = cell_unit or unit
    if cell_unit == "万":
        used = "万元"
    value = to_yuan(raw.replace("—", "-").replace("－", "-"), used)
    text = " | ".join(cell for cell in row if cell.strip())
    evidence = Evidence(text=text, page=page, origin="table", table=title or None, cell=cell)
    return Figure(metric=metric, value=value, unit=used, evidence=evidence, raw=raw)


# ---------------------------------------------------------------- labels

SANGONG = frozenset(
    {
        "three_public_total",
        "three_public_outbound",
        "three_public_vehicle",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "meeting_fee",
        "training_fee",
        "agency_operating_cost",
    }
)
REVENUE = frozenset(
    {
        "revenue_total",
        "revenue_general_public",
        "revenue_gov_fund",
        "revenue_state_capital",
        "revenue_special_account",
        "revenue_other",
        "revenue_carryover",
    }
)
EXPENDITURE = frozenset(
    {
        "expenditure_total",
        "expenditure_basic",
        "expenditure_project",
        "expenditure_personnel",
        "expenditure_public",
    }
)

# (pattern, metric).  A label names the metric whose match ends last (the leaf
# of "公务用车购置及运行费购置费" is 购置费), the longer match winning a tie.
LABEL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), metric)
    for pattern, metric in (
        (r"因公出国|出国[（(]境[)）]|出国", "three_public_outbound"),
        (r"公务接待|接待费", "three_public_reception"),
        (
            r"(公务用车|公车|车辆)?(购置及运行(维护)?|购置和运行(维护)?|购置及运维|运行(维护)?及购置)费?",
            "three_public_vehicle",
        ),
        (r"购置费?", "three_public_vehicle_purchase"),
        (r"(车辆|公务用车|公车)?(运行(维护)?|运维)费|车辆运行", "three_public_vehicle_operation"),
        (r"机关运行经?费", "agency_operating_cost"),
        (r"会议费", "meeting_fee"),
        (r"培训费", "training_fee"),
        (r"三公", "three_public_total"),
        (r"收入(预算)?(总计|合计|总额)", "revenue_total"),
        (r"支出(预算)?(总计|合计|总额)", "expenditure_total"),
        (r"一般公共预算(拨款|资金|收入)?|公共财政拨款", "revenue_general_public"),
        (r"政府性基金(预算)?(拨款)?(收入)?", "revenue_gov_fund"),
        (r"国有资本经营(预算)?(拨款)?(收入)?", "revenue_state_capital"),
        (r"财政专户|专户管理", "revenue_special_account"),
        (r"其他收入|其他资金", "revenue_other"),
        (r"上年结转|年初结转", "revenue_carryover"),
        (r"基本支出", "expenditure_basic"),
        (r"项目支出", "expenditure_project"),
        (r"人员经费|人员支出", "expenditure_personnel"),
        (r"公用经费|公用支出", "expenditure_public"),
        (r"政府采购", "procurement_total"),
    )
)
NUMBERING = re.compile(
    r"^([(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．](?!\d)|其中[:：]?)"
)
GENERIC_TOTALS = ("合计", "总计", "共计", "合计数", "总计数", "总额")


@dataclass(frozen=True)
class Family:
    """A kind of standard table: which metrics it holds and how far it is trusted."""

    name: str
    metrics: frozenset[str]
    rank: int
    total_metric: str | None = None
    ranks: dict[str, int] = field(default_factory=dict)

    def rank_of(self, metric: str) -> int:
        """Lower is better: all-funds tables first, 财政拨款 and breakdown tables later."""
        return self.ranks.get(metric.removesuffix("_change"), self.rank)


def normalise(label: str) -> str:
    """A label without spaces, quotes and list numbering."""
    text = "".join(label.split())
    previous = None
    while previous != text:
        previous = text
        text = NUMBERING.sub("", text, count=1) if NUMBERING.match(text) else text
    return text.replace("“", "").replace("”", "")


def metric_for_label(label: str, family: Family) -> str | None:
    """The metric a row or column label names, within what the table family holds."""
    metric = named_metric(label)
    return metric if metric in family.metrics else None


@lru_cache(maxsize=4096)
def named_metric(label: str) -> str | None:
    """The metric a label names, whatever the table (cached: labels repeat on every row)."""
    text = normalise(label)
    if not text:
        return None
    best: tuple[int, int, str] | None = None
    for pattern, metric in LABEL_PATTERNS:
        for match in pattern.finditer(text):
            key = (match.end(), match.end() - match.start(), metric)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return None
    metric = best[2]
    if metric in REVENUE and metric != "revenue_total" and "支出" in text:
        return None
    if metric == "revenue_carryover" and "下年" in text:
        return None
    return metric


def is_total_label(label: str) -> bool:
    """A bare total row or column: 合计, 总计, 共计 (小计 is a part total)."""
    text = normalise(label)
    return text in GENERIC_TOTALS or text.endswith(("合计", "总计")) and len(text) <= 4


def is_subtotal_label(label: str) -> bool:
    """合计 / 小计 / 计 as the last header word: a sum over its siblings."""
    text = normalise(label)
    return text.endswith(("合计", "小计", "总计")) or text == "计"


def table_family(title: str, labels: list[str], first_column: list[str]) -> Family | None:
    """The family of a table from its caption (or, lacking one, its labels)."""
    text = "".join(title.split())
    if not text:
        joined = "".join(labels + first_column)
        if sum(word in joined for word in ("出国", "接待", "公务用车")) >= 2:
            text = "三公"
    if "三公" in text:
        return Family("sangong", SANGONG, 0, "three_public_total")
    if "政府采购" in text:
        return Family("procurement", frozenset({"procurement_total"}), 0, "procurement_total")
    if "机关运行经费" in text:
        return Family("agency", frozenset({"agency_operating_cost"}), 0, "agency_operating_cost")
    if "政府性基金" in text or "国有资本" in text:
        return None
    partial = "财政拨款" in text or "一般公共预算" in text
    if "经济分类" in text or "基本支出" in text:
        ranks = {"expenditure_personnel": 0, "expenditure_public": 0}
        metrics = frozenset({"expenditure_basic", "expenditure_personnel", "expenditure_public"})
        return Family("economic", metrics, 5, "expenditure_basic", ranks)
    personal = {"expenditure_personnel": 6, "expenditure_public": 6}
    if "收支" in text or "收入支出" in text:
        return Family("summary", REVENUE | EXPENDITURE, 3 if partial else 0, None, personal)
    if "收入" in text:
        return Family("revenue", REVENUE, 3 if partial else 1, "revenue_total", personal)
    if "支出" in text:
        return Family(
            "expenditure", EXPENDITURE, 4 if partial else 1, "expenditure_total", personal
        )
    return None


def sangong_columns(labels: list[str]) -> dict[int, str]:
    """Column index → metric for a 三公 table laid out across columns (traps 3, 4)."""
    family = Family("sangong", SANGONG, 0)
    found: dict[int, str | None] = {}
    for c, label in enumerate(labels):
        parts = label.split("/")
        if is_subtotal_label(parts[-1]) and not metric_for_label(parts[-1], family):
            parents = "".join(parts[:-1])
            if "车" in parents or "购置" in parents:
                found[c] = "three_public_vehicle"
            else:
                found[c] = "three_public_total" if "三公" in parents else None
            continue
        metric = metric_for_label(parts[-1], family) or metric_for_label(
            label.replace("/", ""), family
        )
        if metric is not None:
            found[c] = metric
    named = {m for m in found.values() if m}
    if not named & {
        "three_public_outbound",
        "three_public_reception",
        "three_public_vehicle_operation",
    }:
        return {}
    open_totals = [c for c, m in found.items() if m is None]
    for c in open_totals:
        if found.get(c + 1) in ("three_public_vehicle_purchase", "three_public_vehicle_operation"):
            found[c] = "three_public_vehicle"
    open_totals = [c for c, m in found.items() if m is None]
    # Jiangsu prints 合计 (with 会议费/培训费) before the 三公 小计; Shanghai only 合计.
    extras = bool(named & {"meeting_fee", "training_fee"}) and "three_public_total" not in named
    if open_totals and not (extras and len(open_totals) < 2):
        found[open_totals[1 if extras else 0]] = "three_public_total"
    return {c: m for c, m in found.items() if m}


def column_role(label: str, year: int | None, kind: Kind | None, labels: list[str]) -> str:
    """'value', 'change' (增减金额) or 'skip' (prior year, percentages, the budget of a final)."""
    text = "".join(label.split())
    if re.search(r"幅度|百分比|%|％|比率|比例|增长率", text) or CODE_COLUMN.search(text):
        return "skip"  # a share, or a 科目编码 column whose codes read like amounts
    if re.search(r"增[、，,]?减|增加额|减少额|增长额|变动额|比上年增", text):
        # 决算数比预算数增减: measured against the year's own budget, not a change.
        own = re.search(r"(?:比|较|与|对比)(?:年初|调整)?预算", text)
        return "skip" if own else "change"
    if re.search(r"上年|去年|上一年", text):
        return "skip"
    years = {int(y) for y in re.findall(r"(20\d\d)", text)}
    if years and year is not None and year not in years:
        return "skip"
    budget_of_final = kind == "final" and "预算" in text and "决算" not in text
    if budget_of_final and any("决算" in other for other in labels):
        return "skip"
    return "value"
