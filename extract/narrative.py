"""Figures stated in sentences (jieba-assisted).

Each sentence is split into clauses.  In a clause that holds money (or a
"no change" phrase) metric terms are kept only where they start a word (jieba
cuts the clause whenever a term might start mid-word), and every amount is
tied to the nearest term before it; a
clause without a term inherits the term of the clause before (其中基本支出…，
包括人员经费…), and a change sentence without any term falls back on the
paragraph's subject (…“三公”经费10.77万元。与2020年相比减少5.9万元).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from extract.fields import DocumentFields
from extract.lexicon import (
    ALL_FUNDS_METRICS,
    THREE_PUBLIC_FAMILY,
    VEHICLE_FAMILY,
    TermMatch,
    find_terms,
    may_split_word,
    token_starts,
)
from extract.model import Evidence, Figure, RawDocument
from extract.numbers import Amount, find_amounts
from extract.sentences import Sentence, clauses, document_sentences

# A change verb right before the number: 增加 / 减少 / 下降 / 增 / 小于上年预算数 …
# 新增 (a new item) is not a change.  "增加(减少)" is the unfilled template.
_CHANGE_VERB = re.compile(
    r"(?<!新)(增加|增长|上升|提高|增|多|减少|下降|降低|节约|节省|压减|压缩|小于|大于|少于|多于|减|降)了?"
    r"(?:\((?:增加|减少|下降|增长|降低|减)\))?(?:支出|经费)?(?:上年|去年)?(?:预算|决算)?数?(?:为|了)?$"
)
_VERB_BEFORE_TERM = re.compile(r"(增加|减少|下降|降低|压减|节约|增|减)了?$")
_BARE_ZERO = re.compile(r"(?:为|是)(?P<zero>0(?:\.0+)?)[。!?]?$")
_NEGATIVE_VERBS = {
    "减少",
    "下降",
    "降低",
    "节约",
    "节省",
    "压减",
    "压缩",
    "小于",
    "少于",
    "减",
    "降",
}
_ZERO_CHANGE = re.compile(r"持平|无增减|无变化|没有变化|未发生变化|未变化|一致|相同|不变|无增长")
# What every figure needs: a money unit, a bare zero (为0) or a "no change" phrase.
_FIGURE_HINT = re.compile(f"[元万亿]|[为是]0|{_ZERO_CHANGE.pattern}")
_COMPARISON = re.compile(r"上年|去年|较|比|与|同")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# The last comparison before a change decides what it is measured against.
_COMPARED_WITH = re.compile(
    r"(?:较|比|与|同|对比)\s*(?P<year>(?:19|20)\d{2})\s*年"
    r"|(?P<own>年初预算|调整预算|调整后预算|(?:较|比|与)预算|完成预算|决算数[大小]于预算数)"
    r"|(?P<prior>上年|去年|同比|上一年)"
)
_PRIOR_YEAR_WORDS = re.compile(r"上年|去年|上一年")
# Names of funds that contain 预算 without saying the amount is a budget.
_FUND_NAMES = re.compile(r"一般公共预算|国有资本经营预算|政府性基金预算|基金预算")
_THREE_PUBLIC_ELSEWHERE = re.compile(r"基本支出|机关运行|公用经费|经济分类")
# A clause giving a reason or a use: its words (…公务接待支出减少) govern no amount after it.
_REASON = re.compile(r"^(?:主要(?:原因)?(?:是|为|系|由于|用于)|(?:原因|理由)(?:是|为)|用于)")
# Terms listed together share the amount after 均为/都是: "出国费、公务用车购置及运行费均为0".
_JOINER = re.compile(r"[、和及与]|以及")
_SHARED = re.compile(r"(?:均|都|各)(?:为|是)?")
_PAREN = re.compile(r"[()]")
# A sentence this short without a figure is a heading ("(一)因公出国(境)费。"):
# its term governs the next sentence ("年初预算为0万元，支出决算为0万元").
_HEADING_SENTENCE = 30


@dataclass
class _Context:
    """What the parser knows while walking one paragraph."""

    fields: DocumentFields
    topic: TermMatch | None = None
    out: list[tuple[int, int, Figure]] = field(default_factory=list)  # (penalty, order, figure)


@dataclass
class _Walk:
    """The governing term while walking one sentence, and what shapes it."""

    running: TermMatch | None = None
    # The governing term outside each open parenthesis, and whether an amount was
    # read inside: an aside with amounts ("（其中：购置费0万元，运行维护费10万元）")
    # does not take over the words after it ("，比上年减少1万元"); a gloss without
    # any ("公车运行费(三公经费)决算总额2771万元") names what follows.
    asides: list[tuple[TermMatch | None, bool]] = field(default_factory=list)
    # Terms joined by 、/和 since the last amount.
    chain: list[TermMatch] = field(default_factory=list)


def narrative_figures(doc: RawDocument, fields: DocumentFields) -> list[Figure]:
    """Every figure the document's sentences state, best candidate first per metric."""
    context = _Context(fields)
    sentences = document_sentences(doc)
    for _number, group in itertools.groupby(sentences, key=lambda s: s.paragraph):
        context.topic = None
        _read_paragraph(list(group), context)
    ranked = [figure for _p, _o, figure in sorted(context.out, key=lambda item: item[:2])]
    ranked = _demote_dropped_units(ranked)
    figures = _unique(ranked)
    return figures + count_figures(sentences)


def _read_paragraph(paragraph: list[Sentence], context: _Context) -> None:
    """The figures of one paragraph's sentences; the paragraph's subject carries over."""
    # Only a sentence with a money unit, a bare zero or a "no change" phrase
    # states a figure.  The others matter only for the paragraph's subject,
    # and only until it is known and while a stating sentence is still to come.
    states = [_FIGURE_HINT.search(sentence.text) is not None for sentence in paragraph]
    if True not in states:
        return
    last = len(states) - 1 - states[::-1].index(True)
    carry: TermMatch | None = None
    for index, sentence in enumerate(paragraph[: last + 1]):
        stating = states[index]
        # A heading matters only to a stating sentence right after it.
        heading = not stating and states[index + 1] and len(sentence.text) <= _HEADING_SENTENCE
        if stating or heading or context.topic is None:
            running = _read_sentence(sentence, context, carry, heading=heading)
            carry = running if heading else None


def _read_sentence(
    sentence: Sentence,
    context: _Context,
    running: TermMatch | None = None,
    *,
    heading: bool = False,
) -> TermMatch | None:
    """Read the clauses of a sentence; return the term governing its end (for a heading)."""
    walk = _Walk(running)
    parts = [(start, clause, _figures_in(clause)) for start, clause in clauses(sentence.text)]
    last = max(
        (i for i, (_s, _c, (amounts, zeros)) in enumerate(parts) if amounts or zeros), default=-1
    )
    for index, (start, clause, figures) in enumerate(parts):
        # Past the last figure the words govern nothing: they matter only as the
        # paragraph's subject while it is unknown, or as what a heading hands on.
        if index > last and context.topic is not None and not heading:
            break
        _read_clause(sentence, start, clause, figures, walk, context)
    return walk.running


def _figures_in(clause: str) -> tuple[list[Amount], list[re.Match[str]]]:
    """The amounts (or a bare zero) and the "no change" phrases of a clause."""
    return find_amounts(clause) or _bare_zero(clause), list(_ZERO_CHANGE.finditer(clause))


def _read_clause(
    sentence: Sentence,
    start: int,
    clause: str,
    figures: tuple[list[Amount], list[re.Match[str]]],
    walk: _Walk,
    context: _Context,
) -> None:
    """Walk the terms, amounts, "no change" phrases and brackets of one clause in order."""
    amounts, zeros = figures
    terms = [] if _REASON.match(clause) else find_terms(clause)
    if terms and (amounts or zeros):
        terms = _on_word_boundaries(clause, terms)
    events: list[tuple[int, object]] = [(t.start, t) for t in terms]
    events += [(a.start, a) for a in amounts] + [(z.start(), z) for z in zeros]
    if "(" in clause or ")" in clause:  # most clauses have none: skip the scan
        events += [(p.start(), p) for p in _PAREN.finditer(clause) if not _inside(p.start(), terms)]
    previous_end = 0
    last_amount_end = 0
    for position, event in sorted(events, key=lambda e: e[0]):
        if isinstance(event, TermMatch):
            if event.term.needs_vehicle_context and not _in_vehicle_family(walk.running):
                continue
            joined = walk.chain and _JOINER.fullmatch(clause[previous_end : event.start])
            walk.chain = [*walk.chain, event] if joined else [event]
            walk.running = event
            context.topic = context.topic or event
        elif isinstance(event, Amount):
            lead = clause[previous_end : event.start].rstrip()
            since_amount = clause[last_amount_end : event.start]
            shared = len(walk.chain) > 1 and _SHARED.fullmatch(lead)
            for term in walk.chain if shared else [walk.running]:
                _read_amount(sentence, start, event, lead, since_amount, term, context)
            walk.chain = []
            if walk.asides:
                walk.asides[-1] = (walk.asides[-1][0], True)
            last_amount_end = event.end
        elif isinstance(event, re.Match) and event.re is _PAREN:
            _aside(walk, event.group(0))
            continue  # the words before a number run across brackets: 增加(减少)0万元
        else:
            _read_zero(sentence, start + position, walk.running, context)
        previous_end = max(previous_end, _event_end(event))


def _inside(position: int, terms: list[TermMatch]) -> bool:
    """True when a term spans ``position`` (the brackets of 因公出国(境)费, (类))."""
    return any(t.start <= position < t.end for t in terms)


def _aside(walk: _Walk, bracket: str) -> None:
    """Open or close a parenthesis: the term outside it governs again after it."""
    if bracket == "(":
        walk.asides.append((walk.running, False))
    elif walk.asides:
        outside, had_amount = walk.asides.pop()
        if had_amount:
            walk.running = outside
            walk.chain = []


def _on_word_boundaries(clause: str, terms: list[TermMatch]) -> list[TermMatch]:
    """Keep the terms that start where a jieba word starts, in a clause that holds money.

    Only the stretch from just before the first term is cut, and only when a
    term could start mid-word there: jieba never sees text without money, and
    sees few clauses with it.
    """
    window = max(terms[0].start - 4, 0)
    text = clause[window:]
    if not any(may_split_word(text, t.start - window) for t in terms):
        return terms  # every term starts where jieba must start a word
    boundaries = token_starts(text, window)
    kept = [t for t in terms if t.start in boundaries or t.start == window]
    if len(kept) == len(terms):
        return terms
    # A dropped term may hide a shorter one that does start on a word.
    return [t for t in find_terms(clause, boundaries | {window}) if t.start >= window]


def _bare_zero(clause: str) -> list[Amount]:
    """A printed zero without a unit is still a zero ("公务用车购置为0，与上年持平")."""
    match = _BARE_ZERO.search(clause)
    if match is None:
        return []
    start = match.start("zero")
    return [
        Amount(
            raws=(match.group("zero"),), unit="元", start=start, end=match.end(), number_start=start
        )
    ]


def _event_end(event: object) -> int:
    if isinstance(event, TermMatch | Amount):
        return event.end
    assert isinstance(event, re.Match)
    return event.end()


def _in_vehicle_family(running: TermMatch | None) -> bool:
    return running is not None and bool(set(running.term.metrics) & VEHICLE_FAMILY)


def _read_amount(
    sentence: Sentence,
    clause_start: int,
    amount: Amount,
    lead: str,
    since_amount: str,
    running: TermMatch | None,
    context: _Context,
) -> None:
    # 增(减)-1.2万元: the template's verb with a signed number.
    minus = lead.endswith("-")
    lead = lead.removesuffix("-").rstrip()
    verb = _CHANGE_VERB.search(lead)
    if verb is None and running is not None and lead in ("", "为", "了"):
        # 增加基本支出844.15万元: the verb comes before the term.
        verb = _VERB_BEFORE_TERM.search(running.clause_prefix)
    if verb:
        term = running or context.topic
        prefix = sentence.text[: clause_start + amount.start]
        if term is None or not term.term.metrics or _against_own_year(prefix, context.fields):
            return
        if context.fields.kind == "final" and term.term.subtotal:
            return  # a final's changes are those of the 总计 lines, not of 本年收入合计
        sign = Decimal(-1) if (verb.group(1) in _NEGATIVE_VERBS) != minus else Decimal(1)
        metrics = tuple(f"{m}_change" for m in term.term.metrics)
        _emit(sentence, clause_start, amount, metrics, sign, term, context)
        return
    if running is None or not running.term.metrics or _is_decoy(since_amount, lead, context):
        return
    if context.fields.kind == "final" and (
        running.term.subtotal or _budget_in_final(running, lead)
    ):
        return
    _emit(sentence, clause_start, amount, running.term.metrics, Decimal(1), running, context)


def _is_decoy(since_amount: str, lead: str, context: _Context) -> bool:
    """Another year's amount ("2015年预算12.5万元", "上年预算数为…")."""
    years = _YEAR.findall(since_amount)
    if years and context.fields.year is not None and int(years[-1]) != context.fields.year:
        return True
    return bool(_PRIOR_YEAR_WORDS.search(lead))


def _budget_in_final(term: TermMatch, lead: str) -> bool:
    """In a 决算, the start-of-year budget quoted beside the actual spending."""
    # The words right before the number decide ("…支出决算为19.63万元，年初预算为25万元");
    # without any, the term's own words do ("三公经费财政拨款支出预算为9.5万元").
    lead = _FUND_NAMES.sub("", lead)
    if "决算" in lead or "预算" in lead:
        return "决算" not in lead
    said = _FUND_NAMES.sub("", term.text)
    return "预算" in said and "决算" not in said


def _against_own_year(prefix: str, fields: DocumentFields) -> bool:
    """True when the change is measured against this year's own budget (not a *_change)."""
    comparisons = list(_COMPARED_WITH.finditer(prefix))
    if not comparisons:
        return False
    last = comparisons[-1]
    if last.group("own"):
        return True
    year = last.group("year")
    return year is not None and fields.year is not None and int(year) == fields.year


def _read_zero(
    sentence: Sentence, position: int, running: TermMatch | None, context: _Context
) -> None:
    """与上年持平 / 无增减 / 与上年预算数一致 → a change of 0 for the governing metric."""
    term = running or context.topic
    prefix = sentence.text[:position]
    if term is None or not term.term.metrics or not _COMPARISON.search(prefix):
        return
    if _against_own_year(prefix, context.fields):
        return
    for metric in term.term.metrics:
        figure = Figure(
            metric=f"{metric}_change",
            value=Decimal(0),
            unit="",
            evidence=_evidence(sentence, position),
            raw=sentence.text[position : position + 4],
        )
        context.out.append(
            (_penalty(metric, sentence, prefix, term, context), len(context.out), figure)
        )


def _emit(
    sentence: Sentence,
    clause_start: int,
    amount: Amount,
    metrics: tuple[str, ...],
    sign: Decimal,
    term: TermMatch,
    context: _Context,
) -> None:
    values = amount.values()
    # 收、支总计各是4125.49,4143.91万元: one value per metric, in order.
    pairwise = len(metrics) == len(values) > 1
    prefix = sentence.text[: clause_start + amount.start]
    for index, metric in enumerate(metrics):
        value = values[index] if pairwise else values[-1]
        raw = amount.raws[index] if pairwise else amount.raw
        figure = Figure(
            metric=metric,
            value=_plain(sign * value),
            unit=amount.unit,
            evidence=_evidence(sentence, clause_start + amount.start),
            raw=raw,
        )
        penalty = _penalty(metric.removesuffix("_change"), sentence, prefix, term, context)
        context.out.append((penalty, len(context.out), figure))


def _plain(value: Decimal) -> Decimal:
    """-0 is 0, and no exponent forms."""
    return value + Decimal(0) if value else Decimal(0)


def _penalty(
    metric: str, sentence: Sentence, prefix: str, term: TermMatch, context: _Context
) -> int:
    """How much less likely this candidate is the document's figure (0 = best)."""
    penalty = 0
    if metric in ALL_FUNDS_METRICS and ("财政拨款" in sentence.section or "财政拨款" in prefix):
        penalty += 2  # trap 7/8: the all-funds section states totals and splits
    if metric in THREE_PUBLIC_FAMILY and _THREE_PUBLIC_ELSEWHERE.search(sentence.section):
        penalty += 2  # trap 10: economic-class lines of the basic-expenditure breakdown
    if term.term.subtotal:
        penalty += 1  # 本年收入合计 in a budget: 总计 wins where both are stated
    return penalty


def _evidence(sentence: Sentence, position: int) -> Evidence:
    return Evidence(
        text=sentence.text,
        page=sentence.page,
        offset=sentence.offset + position,
        origin="narrative",
    )


def _demote_dropped_units(figures: list[Figure]) -> list[Figure]:
    """'接待费1.58元' beside '1.58万元' for the same metric: the 元 is a dropped 万."""
    in_wan = {(f.metric, f.raw) for f in figures if f.unit.startswith("万")}
    dropped = [f for f in figures if f.unit == "元" and (f.metric, f.raw) in in_wan]
    return [f for f in figures if f not in dropped] + dropped


def _unique(figures: list[Figure]) -> list[Figure]:
    """Drop repeats of the same metric and value, keeping the first."""
    seen: set[tuple[str, Decimal]] = set()
    result = []
    for figure in figures:
        key = (figure.metric, figure.value)
        if key not in seen:
            seen.add(key)
            result.append(figure)
    return result


# Holdings, not purchases: 保有量345辆, 共有车辆127辆, 车辆(台、辆)3辆.
_VEHICLES = re.compile(
    r"(保有量?|共有车辆|现有车辆|实有车辆|车辆\(台、?辆\)|用车|车辆)[^,;。\d]{0,8}?(\d+)\s*(辆|台)"
)
_PURCHASE = re.compile(r"购置|新购|购买|采购|更新|报废|处置|租用")
_STAFF = re.compile(r"(实有人数|在职人数|编制人数|编制数)为?(\d+)人")
_COUNT_WORD = re.compile(r"\d\s*[辆台]|数为?\d+人")
_HOLDING = re.compile("保有|共有|现有|实有")


def count_figures(sentences: list[Sentence]) -> list[Figure]:
    """Vehicle holdings and head counts, holdings (保有量) first."""
    found: list[tuple[int, int, Figure]] = []
    for sentence in sentences:
        # Both need a count word; most sentences have neither, so skip the split.
        if not _COUNT_WORD.search(sentence.text):
            continue
        for start, clause in clauses(sentence.text):
            for match in _VEHICLES.finditer(clause):
                if _PURCHASE.search(clause[: match.start(2)]) and "保有" not in clause:
                    continue
                rank = 0 if _HOLDING.search(match.group(0)) else 1
                found.append((rank, len(found), _count("vehicles_count", match, sentence, start)))
            for match in _STAFF.finditer(clause):
                rank = 0 if match.group(1) == "实有人数" else 1
                found.append((rank, len(found), _count("staff_count", match, sentence, start)))
    return [figure for _r, _o, figure in sorted(found, key=lambda item: item[:2])]


def _count(metric: str, match: re.Match[str], sentence: Sentence, clause_start: int) -> Figure:
    return Figure(
        metric=metric,
        value=Decimal(match.group(2)),
        unit=match.group(3) if match.re is _VEHICLES else "人",
        evidence=_evidence(sentence, clause_start + match.start()),
        raw=match.group(2),
    )
