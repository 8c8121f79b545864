"""Metric terms as documents write them: canonical names, synonyms and variants.

Each ``Term`` is a regular expression over *normalised* text (NFKC, no quotes,
no spaces next to Chinese characters; see ``extract.sentences``).  A term maps
to the metrics it governs: one metric, two (收、支总计 → revenue and
expenditure totals, written pairwise with 各), or none (a *blocker*: a line
item with no metric, such as 工资福利支出, which must stop the previous term
from claiming the numbers that follow it).
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba

# Words that documents append to any item name before the number:
# 公务接待费支出预算为, 因公出国(境)费用预算数, 会议费决算支出.
# "“三公”经费财政拨款支出决算为": the fund name belongs to the item, not to a new term.
_SUFFIX = (
    r"(?:(?:一般公共预算)?财政拨款|支出|安排|预算|决算|拨款|总额|总计|合计|金额|数|汇总数|执行数)*"
)
# 费 and its synonyms: 费, 费用, 经费, 支出.
_FEE = r"(?:费用|经费|费|支出)"
_CAR = r"(?:公务用?车辆?|公车|公务交通)"
_RUN = r"(?:运行维护|运行维修|运维|运行|运营|使用)"
_OUT = r"(?:因公)?出国(?:\((?:境|地区)\)|境)?"
# 一般公共预算拨款 is revenue unless it is spent (拨款支出, 拨款安排的支出).
_NOT_SPENT = r"(?!支出|安排)"


@dataclass(frozen=True)
class Term:
    """A way of writing a metric name; ``metrics`` empty means a blocker."""

    pattern: re.Pattern[str]
    metrics: tuple[str, ...]
    # Only a term inside the 公务用车 family may use a bare 购置费 / 运行费.
    needs_vehicle_context: bool = False
    # 本年收入合计 / 本年支出合计: a subtotal, not the 总计 of a final account.
    subtotal: bool = False
    # Characters of which every match holds one ("" when unknown): a clause
    # without any of them cannot hold the term, so its pattern need not run.
    anchors: frozenset[str] = frozenset()


def _term(pattern: str, *metrics: str, vehicle: bool = False, subtotal: bool = False) -> Term:
    compiled = re.compile(f"(?:{pattern}){_SUFFIX}")
    return Term(compiled, metrics, vehicle, subtotal, anchor_chars(compiled.pattern))


def anchor_chars(pattern: str) -> frozenset[str]:
    """A few characters of which every match of ``pattern`` holds one (empty when unknown)."""
    try:
        # The regex parser is private to ``re``: without it we only lose the shortcut.
        parser: Any = importlib.import_module("re._parser")
        return _anchors(parser, parser.parse(pattern)) or frozenset()
    except (ImportError, AttributeError, TypeError, ValueError):
        return frozenset()


# Characters in most budget sentences make poor anchors: prefer any other.
_COMMON_CHARS = frozenset("支出收入预算决费用经资金公务年本项目合计总额数会政财国人一和及与、")


def _anchors(parser: Any, items: Any) -> frozenset[str] | None:
    """Anchor characters of a parsed (sub)pattern, or None when it has none."""
    options: list[frozenset[str] | None] = []
    for op, arg in items:
        if op == parser.LITERAL:
            options.append(frozenset(chr(arg)))
        elif op == parser.IN and all(kind == parser.LITERAL for kind, _ in arg):
            options.append(frozenset(chr(code) for _, code in arg))
        elif op == parser.SUBPATTERN:
            options.append(_anchors(parser, arg[-1]))
        elif op in (parser.MAX_REPEAT, parser.MIN_REPEAT) and arg[0] >= 1:
            options.append(_anchors(parser, arg[2]))
        elif op == parser.BRANCH:
            branches = [_anchors(parser, branch) for branch in arg[1]]
            known = [b for b in branches if b is not None]
            options.append(frozenset().union(*known) if len(known) == len(branches) else None)
        # Optional parts, look-arounds and anchors guarantee no character.
    known_options = [option for option in options if option]
    if not known_options:
        return None
    return min(known_options, key=lambda o: (len(o & _COMMON_CHARS), len(o)))


BOTH_TOTALS = ("revenue_total", "expenditure_total")

TERMS: tuple[Term, ...] = (
    # Blockers first: items that have no metric but look like ones.
    _term(r"三公经?费?[、和及与,]+会议费"),
    _term(r"(?:财政拨款)?(?:收入|收支|支出)?[、和及]?会议费[、和及]培训费"),
    _term(r"工资福利" + _FEE),
    _term(r"商品和服务" + _FEE),
    _term(r"对个人和家庭的?补助" + _FEE + "?"),
    _term(r"资本性" + _FEE),
    _term(r"(?:上级补助|事业|经营|附属单位上缴|用事业基金弥补收支差额)收入"),
    _term(r"(?:上缴上级|经营|对附属单位补助)支出"),
    _term(r"单位预留机动经费|预留机动经费|机动经费"),
    _term(r"其他交通(?:工具购置|费用|工具)"),
    _term(r"(?:拟|计划)?采购(?:货物|工程|服务)|(?:拟)?购买服务"),
    _term(r"(?:拟|计划)?(?:新)?购置(?:的)?固定资产"),
    _term(r"政府性基金(?:预算)?(?:财政拨款)?(?:预算)?支出"),
    _term(r"(?<!公共)财政拨款(?:收入|收支)"),
    _term(r"\((?:类|款|项)\)"),
    _term(r"年末结转和?结余"),
    # Amounts that belong to no metric but follow one: 绩效 coverage, contracts awarded.
    _term(r"(?:共)?涉及(?:项目)?(?:资金|金额)"),
    _term(r"合同(?:总)?(?:金额|总额)"),
    # Revenue.
    _term(
        r"一般公共预算(?:财政)?(?:拨款)?(?:\(?补助\)?)?收入|公共财政(?:预算)?(?:拨款)?(?:补助)?收入"
        r"|一般公共预算(?:财政)?拨款" + _NOT_SPENT,
        "revenue_general_public",
    ),
    _term(
        r"政府性基金(?:预算)?(?:财政)?(?:拨款)?收入|基金预算(?:拨款)?收入"
        r"|政府性基金(?:预算)?(?:财政)?拨款" + _NOT_SPENT,
        "revenue_gov_fund",
    ),
    _term(
        r"国有资本经营预算(?:财政)?(?:拨款)?收入|国有资本经营预算(?:财政)?拨款" + _NOT_SPENT,
        "revenue_state_capital",
    ),
    _term(r"财政专户(?:管理)?(?:资金)?(?:核拨)?收入|财政专户管理资金", "revenue_special_account"),
    _term(r"其他(?:来源)?收入|其他资金(?:收入)?", "revenue_other"),
    _term(r"(?:上年|年初)结转(?:和|及)?(?:结余)?(?:收入|资金)?", "revenue_carryover"),
    _term(r"(?:本年)?收入(?:决算)?合计|本年收入预算合计", "revenue_total", subtotal=True),
    _term(
        r"收入(?:预算)?(?:总计|总额|总预算)|收入预算合计|预算收入|总收入|收入预算", "revenue_total"
    ),
    # Both totals at once: 收、支总计, 收入、支出预算总计, 预算收支安排.
    _term(
        r"收[、,]?支(?:预算)?(?:总计|合计|总额|总预算|安排)|预算收支(?:总计|安排|总额)?"
        r"|收入[、和及与]支出(?:预算)?(?:总计|合计|总额)?"
        r"|收入(?:预算)?(?:总计|总额)[、和及与]支出(?:预算)?(?:总计|总额)"
        r"|收[、,]?支(?:预算|决算)(?=均|各|都)",
        *BOTH_TOTALS,
    ),
    # Expenditure.
    _term(r"(?:本年)?支出(?:决算)?合计|本年支出预算合计", "expenditure_total", subtotal=True),
    _term(
        r"支出(?:预算)?(?:总计|总额|总预算)|支出预算合计|支出预算|预算支出|总支出",
        "expenditure_total",
    ),
    _term(r"基本支出", "expenditure_basic"),
    _term(r"人员(?:类项目)?(?:经费|支出)", "expenditure_personnel"),
    _term(r"(?:日常)?公用(?:经费|支出)|运转类公用项目(?:经费|支出)", "expenditure_public"),
    _term(r"项目支出|项目经费", "expenditure_project"),
    _term(r"机关(?:日常)?运行(?:经费|费用?)", "agency_operating_cost"),
    # 三公.
    _term(r"三公(?:经费|费用)?(?:合计|总计|总额)?", "three_public_total"),
    _term(_OUT + _FEE + "?", "three_public_outbound"),
    _term(
        _CAR + r"(?:的)?购置(?:费用?|经费)?(?:及|和|与|、)" + _RUN + _FEE + "?"
        "|" + _CAR + _RUN + r"(?:费用?|经费)?(?:及|和|与|、)购置" + _FEE + "?",
        "three_public_vehicle",
    ),
    _term(_CAR + r"(?:的)?购置" + _FEE + "?", "three_public_vehicle_purchase"),
    _term(r"购置" + _FEE, "three_public_vehicle_purchase", vehicle=True),
    _term(r"(?:" + _CAR + r"|车辆)(?:的)?" + _RUN + _FEE + "?", "three_public_vehicle_operation"),
    _term(_RUN + _FEE, "three_public_vehicle_operation", vehicle=True),
    _term(r"公务接待" + _FEE + "?|接待" + _FEE, "three_public_reception"),
    _term(r"会议" + _FEE, "meeting_fee"),
    _term(r"培训" + _FEE, "training_fee"),
    _term(r"政府采购(?:预算|支出|金额|资金|总额|合计|总计)*", "procurement_total"),
    _term(r"固定资产(?:金额|总额|原值|总值)?|国有资产总额|资产总额", "fixed_assets_total"),
)

# Term indexes by anchor character, and those that have none (always tried).
_BY_ANCHOR: dict[str, frozenset[int]] = {
    char: frozenset(i for i, term in enumerate(TERMS) if char in term.anchors)
    for char in set().union(*(term.anchors for term in TERMS))
}
_UNANCHORED = frozenset(i for i, term in enumerate(TERMS) if not term.anchors)
_ANCHOR_SCAN = re.compile("[" + re.escape("".join(sorted(_BY_ANCHOR))) + "]")


@functools.cache
def _candidates(anchors: frozenset[str]) -> tuple[Term, ...]:
    """The terms that may occur in text holding these anchor characters, in TERMS order."""
    indexes = _UNANCHORED.union(*(_BY_ANCHOR[char] for char in anchors))
    return tuple(TERMS[i] for i in sorted(indexes))


VEHICLE_FAMILY = frozenset(
    {"three_public_vehicle", "three_public_vehicle_purchase", "three_public_vehicle_operation"}
)

# Metrics whose all-funds value differs from the 财政拨款 one (trap 7/8).
ALL_FUNDS_METRICS = frozenset(
    {"revenue_total", "expenditure_total", "expenditure_basic", "expenditure_project"}
)
# Metrics that are stated in their own section (三公, 会议费, 培训费 …) and also
# appear as economic-class lines elsewhere (trap 10).
THREE_PUBLIC_FAMILY = frozenset(
    {
        "three_public_total",
        "three_public_outbound",
        "three_public_reception",
        "meeting_fee",
        "training_fee",
    }
    | VEHICLE_FAMILY
)


@functools.cache
def _tokenizer() -> jieba.Tokenizer:
    """jieba's default tokenizer with our budget-term dictionary, loaded once per process."""
    # The default tokenizer: a second Tokenizer would load the 20 MB main
    # dictionary again.  Given a path jieba leaves the file open, so we pass one.
    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
    with (Path(__file__).with_name("data") / "userdict.txt").open("rb") as userdict:
        jieba.load_userdict(userdict)
    return jieba.dt


_HAN = re.compile(r"[\u4e00-\u9fff]{2}")


def may_split_word(text: str, position: int) -> bool:
    """True when jieba could cut ``text`` so that no token starts at ``position``.

    That takes a dictionary word running across ``position``, or a lone Han
    character there that jieba's HMM may join to the one before it.  A term
    that starts a dictionary word (the user dictionary holds them, weighted
    high) is not left alone, so most clauses need no jieba pass at all.
    """
    if position <= 0 or position >= len(text):
        return False
    freq = _tokenizer().FREQ
    for begin in range(max(0, position - _longest_word()), position):
        # The prefix dictionary holds every prefix of every word: a word from
        # ``begin`` can run across ``position`` only if this prefix is in it,
        # which one look-up rules out for nearly every ``begin``.
        if text[begin : position + 1] in freq and any(
            end > position for end in _word_ends(freq, text, begin, position + 1)
        ):
            return True
    lone = all(end == position + 1 for end in _word_ends(freq, text, position))
    return lone and _HAN.match(text, position - 1) is not None


@functools.cache
def _longest_word() -> int:
    """How far back a dictionary word may start and still run across a position."""
    return max(len(word) for word, count in _tokenizer().FREQ.items() if count)


def _word_ends(freq: dict[str, int], text: str, begin: int, first: int = 0) -> Iterator[int]:
    """Ends (from ``first`` on) of the dictionary words that start at ``begin`` (jieba's DAG walk)."""
    # The prefix dictionary holds every prefix of a word, with frequency 0.
    end = max(begin + 1, first)
    while end <= len(text) and (fragment := text[begin:end]) in freq:
        if freq[fragment]:
            yield end
        end += 1


def token_starts(text: str, offset: int = 0) -> frozenset[int]:
    """Positions where a jieba token of ``text`` starts (plus its end), shifted by ``offset``."""
    starts = {start + offset for _word, start, _end in _tokenizer().tokenize(text)}
    starts.add(len(text) + offset)
    return frozenset(starts)


@dataclass(frozen=True)
class TermMatch:
    """A term found in a clause."""

    term: Term
    start: int
    end: int
    text: str
    clause_prefix: str = ""  # the clause text before the term


def find_terms(clause: str, boundaries: frozenset[int] | None = None) -> list[TermMatch]:
    """Non-overlapping terms of ``clause``, longest first where they overlap.

    With ``boundaries`` (jieba token starts) a term must start where a token
    starts, so that a term is never read out of the middle of another word.
    """
    # Only the terms with an anchor character in the clause can match: most
    # clauses rule out all but a few patterns with one scan.
    found = [
        TermMatch(term, m.start(), m.end(), m.group(0), clause[: m.start()])
        for term in _candidates(frozenset(_ANCHOR_SCAN.findall(clause)))
        for m in term.pattern.finditer(clause)
        if m.end() > m.start()
    ]
    if not found:
        return []
    if boundaries is not None:
        found = [t for t in found if t.start in boundaries]
    found.sort(key=lambda t: (-(t.end - t.start), t.start))
    chosen: list[TermMatch] = []
    for match in found:
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda t: t.start)
