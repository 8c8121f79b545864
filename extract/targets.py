"""Performance targets (绩效目标表) as rows: one ``Target`` per indicator row.

Three inputs give the same rows: Word text where each cell is a tab-indented
line and rows are separated by blank lines, grid ``Table``s from Word/Excel,
and flattened page text (PDF lines split on spaces, ``|``-separated web
tables, one cell per line).  Each becomes a stream of rows, titles and prose;
one pass over the stream finds header rows, maps their columns to roles
(一级指标 → level1, 指标值 → value ...) and reads the indicator rows below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from extract.model import Page, RawDocument, Table, Target

LEVELS = ("level1", "level2", "level3")

# Checked in order: "指标值确定依据" is a basis, "指标值（包含数字及文字描述）" a value.
_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("basis", re.compile(r"依据|评.{0,3}分|扣分标准|计分")),
    ("comparator", re.compile(r"指标性质|符号|运算符")),
    ("unit", re.compile(r"单位")),
    ("weight", re.compile(r"分值|权重")),
    ("value", re.compile(r"指标值|目标值|标准值|预期值|绩效目标值")),
    ("description", re.compile(r"描述|内容|解释|说明")),
    ("level3", re.compile(r"三级指标|指标名称")),
    ("level2", re.compile(r"二级指标")),
    ("level1", re.compile(r"一级指标")),
)
# What a level role's cell holds, spaces allowed (the roles ignore them).
_LEVEL_HEADER = re.compile(r"[一二三]\s*级\s*指\s*标|指\s*标\s*名\s*称")
_ANY_ROLE = re.compile("|".join(pattern.pattern for _, pattern in _ROLE_PATTERNS))
_LEVEL1_NAME = re.compile(r"(产出|效益|效果|满意度|成本|影响)指标")
_LEVEL2_NAME = re.compile(
    r"(数量|质量|时效|进度|成本|经济成本|社会成本|生态环境成本|经济效益|社会效益|生态效益"
    r"|环境效益|可持续影响|服务对象满意度|满意度|社会公众满意度)(指标)?"
)
# Names used at level 1 in the 2021 national template and at level 2 in older ones.
_AMBIGUOUS_LEVEL = {"成本指标", "满意度指标"}

_PROJECT_LABELS = {"项目名称", "部门名称", "单位名称", "部门（单位）名称", "预算单位名称"}
_META_LABELS = _PROJECT_LABELS | {
    "主管部门", "实施单位", "项目单位", "项目实施单位", "预算单位", "资金金额", "项目资金",
    "资金总额", "预算金额", "项目总金额", "年度目标", "绩效目标", "总体目标", "年度总体目标",
    "年度绩效目标", "长期目标", "项目概况", "项目属性", "项目期限",
}  # fmt: skip

_SPACES = re.compile(r"\s+")
_LABEL_NOISE = re.compile(r"[（(][^)）]*[)）]$|[\s:：]")
_INDICATOR = re.compile(r"指\s*标")
_TABLE_MARK = re.compile(r"指\s*标|绩\s*效")
_DEBRIS = re.compile(r"\[bookmark:[^\]]*\]|\{[^{}]*\}")
_NUMBERING = re.compile(
    r"^\s*(?:附件\s*\d*\s*[:：]\s*)?(?:[(（]?[\d一二三四五六七八九十]+[)）.、．]\s*)?"
)
_TITLE_END = re.compile(r"的?(?:(?:部门|单位)?整体)?(?:支出)?绩效目标(?:申报|批复)?表$")
_LEADING_YEAR = re.compile(r"^\d{4}年度?")
_GENERIC_NAME = re.compile(r"(?:\d{4}年度?|部门|单位|整体|项目|支出|预算|年度)*")
_SECTION = re.compile(r"[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分")
_TOC_LEADER = re.compile(r"[.…·]{3,}\s*\d*$")

_COMPARATORS: tuple[tuple[str, str], ...] = (
    (">=", "≥"), ("＞＝", "≥"), ("≧", "≥"), ("≥", "≥"), ("大于等于", "≥"), ("大于或等于", "≥"),
    ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("至少", "≥"),
    ("<=", "≤"), ("＜＝", "≤"), ("≦", "≤"), ("≤", "≤"), ("小于等于", "≤"), ("小于或等于", "≤"),
    ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"), ("不大于", "≤"),
    (">", ">"), ("＞", ">"), ("大于", ">"), ("高于", ">"), ("超过", ">"),
    ("<", "<"), ("＜", "<"), ("小于", "<"), ("低于", "<"),
    ("=", "="), ("＝", "="), ("等于", "="),
)  # fmt: skip
# One match instead of a loop of startswith: alternatives are tried in the order above.
_COMPARATOR_START = re.compile("|".join(re.escape(written) for written, _ in _COMPARATORS))
_COMPARATOR_SYMBOL = dict(_COMPARATORS)
_NUMBER_VALUE = re.compile(
    r"(?P<num>[-+]?\d[\d,，]*(?:\.\d+)?)\s*(?P<unit>[^\d\s]{0,6}?)\s*"
    r"(?P<suffix>及以上|以上|及以下|以下|以内)?"
)
_SUFFIX_COMPARATOR = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤"}
# A "unit" with these is a phrase about a date ("12月底前"): keep the value whole.
_NOT_A_UNIT = re.compile(r"[前后底初末中内左右间]")
_UNIT_TOKEN = re.compile(r"%|‰|[个次人件份台辆天月年篇卷场期项户元万亿平方米公里家所批套座]{1,3}")


@dataclass(frozen=True)
class _Row:
    """A table row as cells; ``stream`` rows hold one cell of a one-cell-per-line table."""

    cells: tuple[str, ...]
    page: int | None
    stream: bool = False


@dataclass(frozen=True)
class _Title:
    """A heading naming a target table ("3.大组工网…经费绩效目标表")."""

    project: str


@dataclass(frozen=True)
class _Prose:
    """Narrative text, which ends any table above it."""

    text: str


_Item = _Row | _Title | _Prose


@dataclass
class _Block:
    """One target table being read: its column roles and indicator rows."""

    roles: tuple[str, ...]
    position: int  # index of its header row in the item stream
    project: str | None  # named inside the table (项目名称 row), if it is
    rows: list[_Row] = field(default_factory=list)


def performance_targets(doc: RawDocument) -> list[Target]:
    """One Target per indicator row of every performance-target table."""
    grid: list[Target] = []
    for table in doc.tables:
        grid += _item_targets(_grid_items(table))
    items: list[_Item] = []
    for page in _pages_with_tables(doc):
        items += _page_items(page.text, page.number)
    text = _item_targets(items)
    # Word readers also flatten their tables into the page text: keep the grid's
    # copy, named from the page headings when the grid alone does not name it.
    named = {_row_key(target): target.project for target in text if target.project}
    grid = [replace(t, project=t.project or named.get(_row_key(t), "")) for t in grid]
    seen = {_row_key(target) for target in grid}
    return grid + [target for target in text if _row_key(target) not in seen]


def _pages_with_tables(doc: RawDocument) -> Sequence[Page]:
    """The pages whose text may hold a target table, skipping the pages before any can start."""
    # Every header row names an indicator level (一级指标, 指标名称 ...), so a
    # document without 指标 has no table to read.  Pages before the first
    # mention of 指标 or 绩效 can only hold its title (…绩效目标表) or a 项目名称
    # line just above it: start one page earlier.
    if not _INDICATOR.search(doc.text):
        return []
    first = next((i for i, page in enumerate(doc.pages) if _TABLE_MARK.search(page.text)), 0)
    return doc.pages[max(first - 1, 0) :]


def _row_key(target: Target) -> tuple[str, ...]:
    """What identifies an indicator row regardless of where it was read from."""
    # Not the value: a flattened copy may have merged a 指标性质 column into it.
    return (target.level1, target.level2, target.level3, target.description)


def _item_targets(items: Sequence[_Item]) -> list[Target]:
    """Targets of every target table in one item stream."""
    blocks, titles = _scan(items)
    targets: list[Target] = []
    for block, project in zip(blocks, _projects(blocks, titles), strict=True):
        targets += _block_targets(block, project)
    return targets


# --- turning inputs into item streams -------------------------------------


def _grid_items(table: Table) -> list[_Item]:
    """Items of a grid table: its title (if it names a project), then its rows."""
    items: list[_Item] = []
    project = _title_project(table.title or "")
    if project:
        items.append(_Title(project))
    items += [_Row(tuple(cell.strip() for cell in row), table.page) for row in table.rows]
    return items


def _page_items(text: str, page: int) -> list[_Item]:
    """Items of one page, in the layout the page text uses."""
    if re.search(r"^\t", text, re.MULTILINE):
        return _tabbed_items(text, page)
    return _merge_stream_labels(_line_items(text, page))


def _tabbed_items(text: str, page: int) -> list[_Item]:
    """Word text: tab-indented lines are cells, a blank line ends a row."""
    items: list[_Item] = []
    cells: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            cells.append(line[1:].strip())
            continue
        stripped = line.strip()
        project = _title_project(line) if stripped else None
        if cells and stripped and project is None:
            cells[-1] = f"{cells[-1]}\n{stripped}"  # a cell's second paragraph
            continue
        if cells:
            items.append(_Row(tuple(cells), page))
            cells = []
        if stripped:
            items.append(_text_item(line, project))
    if cells:
        items.append(_Row(tuple(cells), page))
    return items


def _text_item(line: str, project: str | None) -> _Title | _Prose:
    """A line outside any table: a target-table heading (naming ``project``), or prose."""
    return _Prose(line) if project is None else _Title(project)


def _line_items(text: str, page: int) -> list[_Item]:
    """Flattened text: ``|`` rows, space-separated rows, or one cell per line."""
    items: list[_Item] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or re.fullmatch(r"[-—\s\d第页/共]*", line):
            continue  # blank lines and page numbers inside a table that runs over pages
        if (project := _title_project(line)) is not None:
            items.append(_text_item(line, project))
        elif line.count("|") >= 2:
            items.append(_Row(tuple(c.strip() for c in line.strip("|").split("|")), page))
        elif len(tokens := _tokens(line)) > 1:
            items.append(_Row(tokens, page))
        elif len(line) > 60 or line.endswith("。") or _SECTION.match(line):
            items.append(_Prose(line))
        else:
            items.append(_Row((line,), page, stream=True))
    return items


def _tokens(line: str) -> tuple[str, ...]:
    """Cells of a space-separated line, rejoining "≥ 95%" and "1 次"."""
    tokens: list[str] = []
    for token in line.split():
        previous = tokens[-1] if tokens else ""
        bare_comparator = previous != "" and _comparator_prefix(previous)[1] == ""
        if bare_comparator or (_UNIT_TOKEN.fullmatch(token) and re.search(r"\d$", previous)):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tuple(tokens)


def _merge_stream_labels(items: list[_Item]) -> list[_Item]:
    """Join header labels printed one per line, and a 项目名称 label with its name."""
    merged: list[_Item] = []
    for item in items:
        previous = merged[-1] if merged else None
        if isinstance(previous, _Row) and isinstance(item, _Row) and _continues(previous, item):
            merged[-1] = _Row(previous.cells + item.cells, previous.page, stream=True)
        else:
            merged.append(item)
    return merged


def _continues(previous: _Row, row: _Row) -> bool:
    """True when a one-cell line belongs to the label line(s) above it."""
    if not (previous.stream and row.stream):
        return False
    if _role(row.cells[0]) and all(_role(cell) for cell in previous.cells):
        return True
    return len(previous.cells) == 1 and _label(previous.cells[0]) in _PROJECT_LABELS


# --- finding tables and naming their projects -----------------------------


def _scan(items: Sequence[_Item]) -> tuple[list[_Block], list[tuple[int, str]]]:
    """Target tables and project-naming headings, each with its position."""
    blocks: list[_Block] = []
    titles: list[tuple[int, str]] = []
    current: _Block | None = None
    pending: str | None = None  # named by a 项目名称 row above the header
    for position, item in enumerate(items):
        if isinstance(item, _Title):
            current, pending = None, None
            if item.project:  # a generic "项目支出绩效目标表" names nothing
                titles.append((position, item.project))
        elif isinstance(item, _Prose):
            current = None
        elif (roles := _header_roles(item.cells)) is not None:
            # A header repeated right below its table (page break) continues it.
            if current is None or current.roles != roles:
                current = _Block(roles, position, pending)
                blocks.append(current)
        elif _is_meta(item.cells):
            current = None
            pending = _meta_project(item.cells) or pending
        elif current is not None:
            current.rows.append(item)
    return blocks, titles


def _projects(blocks: Sequence[_Block], titles: Sequence[tuple[int, str]]) -> list[str]:
    """The project of each table: named inside it, else by a heading."""
    untitled = [block for block in blocks if block.project is None]
    paired: dict[int, str] = {}
    if len(untitled) == len(titles):
        # Word's text export can print a heading below its own table, so when
        # there is one heading per table, order is reliable where position is not.
        paired = {id(block): title for block, (_, title) in zip(untitled, titles, strict=True)}
    names: list[str] = []
    for block in blocks:
        above = [title for position, title in titles if position < block.position]
        name = block.project or paired.get(id(block))
        if name is None:
            name = above[-1] if above else (names[-1] if names else "")
        names.append(name)
    return names


def _title_project(line: str) -> str | None:
    """The project a heading names, "" for a generic heading, None if not a heading."""
    # A heading ends in 表 (the debris after it aside): most lines are ruled out
    # without a regex, which matters because every line of a page is asked.
    if not line.rstrip().endswith(("表", "]", "}")):
        return None
    text = _DEBRIS.sub("", line).strip()
    if len(text) > 150 or _TOC_LEADER.search(text) or not _TITLE_END.search(text):
        return None
    name = _TITLE_END.sub("", _LEADING_YEAR.sub("", _NUMBERING.sub("", text))).strip(" ：:")
    return "" if _GENERIC_NAME.fullmatch(name) else name


def _label(cell: str) -> str:
    """A cell as a label: no spaces, colons or parenthesised units ("资金金额（万元）")."""
    return _LABEL_NOISE.sub("", cell)


def _is_meta(cells: Sequence[str]) -> bool:
    """True for the rows above the indicators (项目名称, 年度目标, 绩效目标 ...)."""
    first = next((cell for cell in cells if cell), "")
    return _label(first) in _META_LABELS or first in _META_LABELS


def _meta_project(cells: Sequence[str]) -> str | None:
    """The name after a 项目名称 / 部门名称 label in a row, if the row has one."""
    for index, cell in enumerate(cells):
        if cell in _PROJECT_LABELS or _label(cell) in _PROJECT_LABELS:
            rest = (c for c in cells[index + 1 :] if c and c not in _META_LABELS)
            return next(rest, None)
    return None


def _role(cell: str) -> str | None:
    """The column role a header cell names, if any."""
    text = _SPACES.sub("", cell)
    if not text or len(text) > 24 or not _ANY_ROLE.search(text):
        return None  # most cells are values: one search rules out every role
    return next((role for role, pattern in _ROLE_PATTERNS if pattern.search(text)), None)


def _header_roles(cells: Sequence[str]) -> tuple[str, ...] | None:
    """Column roles when the row is a target-table header, else None."""
    if not _LEVEL_HEADER.search("".join(cells)):
        return None  # a header names an indicator level: most rows are ruled out at once
    roles = tuple(_role(cell) or "" for cell in cells)
    levels = {role for role in roles if role in LEVELS}
    if len(levels) >= 2 or ("level3" in levels and "value" in roles):
        return roles
    return None


# --- reading indicator rows -----------------------------------------------


def _block_targets(block: _Block, project: str) -> list[Target]:
    """Targets of one table, filling cells merged down from the rows above."""
    targets: list[Target] = []
    above = dict.fromkeys(LEVELS, "")
    for cells, page in _logical_rows(_rejoin(block.rows, len(block.roles)), block.roles):
        if any("合计" in cell or "总分" in cell for cell in cells[:2]):
            continue
        fields = _align(cells, block.roles)
        if not (fields.get("level3") or fields.get("description") or fields.get("value")):
            continue
        inherited = True
        for level in LEVELS:
            # A merged cell is written once; a level given anew starts a new group below it.
            if fields.get(level):
                inherited = False
            elif inherited:
                fields[level] = above[level]
            above[level] = fields.get(level, "")
        targets.append(_target(fields, project, page))
    return targets


def _target(fields: dict[str, str], project: str, page: int | None) -> Target:
    """A Target from the cells of one row, keyed by role."""
    comparator, value, unit = parse_target_value(fields.get("value", ""))
    return Target(
        project=project,
        level1=fields.get("level1", ""),
        level2=fields.get("level2", ""),
        level3=fields.get("level3", ""),
        description=fields.get("description", ""),
        comparator=_comparator_prefix(fields.get("comparator", ""))[0] or comparator,
        value=value,
        unit=unit or fields.get("unit", ""),
        basis=fields.get("basis", ""),
        page=page,
    )


def _rejoin(rows: Iterable[_Row], width: int) -> Iterator[_Row]:
    """Rows, with a row that an empty paragraph inside a Word cell cut in two made whole."""
    held: _Row | None = None
    for row in rows:
        if held is not None and not row.stream and len(held.cells) + len(row.cells) == width:
            yield _Row(held.cells + row.cells, held.page)
            held = None
            continue
        if held is not None:
            yield held
            held = None
        if row.stream or len(row.cells) >= width:
            yield row
        else:
            held = row
    if held is not None:
        yield held


def _logical_rows(
    rows: Iterable[_Row], roles: Sequence[str]
) -> Iterator[tuple[tuple[str, ...], int | None]]:
    """Rows as cell tuples; one-cell-per-line runs are cut into rows."""
    chunk: list[str] = []
    page: int | None = None
    for row in rows:
        if row.stream and not (chunk and _starts_row(row.cells[0], chunk, roles)):
            chunk += row.cells
            page = row.page if page is None else page
            continue
        if chunk:
            yield tuple(chunk), page
            chunk, page = [], None
        if row.stream:
            chunk, page = list(row.cells), row.page
        else:
            yield row.cells, row.page
    if chunk:
        yield tuple(chunk), page


def _starts_row(cell: str, chunk: Sequence[str], roles: Sequence[str]) -> bool:
    """True when ``cell`` cannot belong to the row collected in ``chunk``."""
    start = _start_column(chunk, roles, partial=True)
    if len(chunk) >= len(roles) - start:
        return True
    level3 = roles.index("level3") if "level3" in roles else len(LEVELS)
    return bool(_LEVEL1_NAME.fullmatch(cell) or _LEVEL2_NAME.fullmatch(cell)) and (
        start + len(chunk) > min(level3, 2)
    )


def _start_column(cells: Sequence[str], roles: Sequence[str], partial: bool = False) -> int:
    """The column of the first cell of a row that may lack merged or empty cells."""
    if len(cells) >= len(roles) and not partial:
        return 0
    first, second = cells[0], cells[1] if len(cells) > 1 else ""
    unambiguous = first not in _AMBIGUOUS_LEVEL or _LEVEL2_NAME.fullmatch(second)
    if "level1" in roles and _LEVEL1_NAME.fullmatch(first) and unambiguous:
        return roles.index("level1")
    if "level2" in roles and _LEVEL2_NAME.fullmatch(first):
        return roles.index("level2")
    if partial:
        return roles.index("level3") if "level3" in roles else 0
    return max(0, len(roles) - len(cells))  # cells merged from above were left out


def _align(cells: Sequence[str], roles: Sequence[str]) -> dict[str, str]:
    """Cells keyed by the role of the column each falls in."""
    fields: dict[str, str] = {}
    start = _start_column(cells, roles)
    for role, cell in zip(roles[start:], cells, strict=False):
        if not role or not cell:
            continue
        if role == "basis" and role in fields:
            fields[role] += "；" + cell  # both 评(扣)分标准 and 指标值确定依据
        elif role not in fields:
            fields[role] = cell
    return fields


def _comparator_prefix(text: str) -> tuple[str, str]:
    """A leading comparator ("≥", "不低于" ...) normalised, and the rest of the text."""
    match = _COMPARATOR_START.match(text)
    if match is None:
        return "", text
    return _COMPARATOR_SYMBOL[match.group(0)], text[match.end() :].strip()


def parse_target_value(text: str) -> tuple[str, str, str]:
    """Comparator, value and unit of a target value: "≥95%" → ("≥", "95", "%")."""
    text = text.strip()
    comparator, rest = _comparator_prefix(text)
    match = _NUMBER_VALUE.fullmatch(rest)
    if match is None or _NOT_A_UNIT.search(match["unit"]):
        return (comparator, rest, "") if comparator and rest else ("", text, "")
    suffix = match["suffix"]
    return comparator or _SUFFIX_COMPARATOR.get(suffix or "", ""), match["num"], match["unit"]
