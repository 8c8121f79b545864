"""The monitor's rules, in the order they run: a plain, explicit list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from monitor.context import RuleContext
from monitor.rules.document_changed import DocumentChangedRule
from monitor.rules.document_quality import DocumentQualityRule
from monitor.rules.final_vs_budget import FinalVsBudgetRule
from monitor.rules.implausible_value import ImplausibleValueRule
from monitor.rules.missing_disclosure import MissingDisclosureRule
from monitor.rules.narrative_table_mismatch import NarrativeTableMismatchRule
from monitor.rules.peer_outlier import PeerOutlierRule
from monitor.rules.stated_change_mismatch import StatedChangeMismatchRule
from monitor.rules.sum_mismatch import SumMismatchRule
from monitor.rules.three_public_increase import ThreePublicIncreaseRule
from monitor.rules.yoy_increase import YoyIncreaseRule
from storage.monitoring import AlertCandidate


class Rule(Protocol):
    """A rule reads the context and yields alert candidates; it never writes."""

    name: str

    def find(self, ctx: RuleContext) -> Iterator[AlertCandidate]: ...


RULES: list[Rule] = [
    # Across years (same region, department and kind).
    YoyIncreaseRule(),
    ThreePublicIncreaseRule(),
    StatedChangeMismatchRule(),
    FinalVsBudgetRule(),
    # Across departments (same region, year and kind).
    PeerOutlierRule(),
    # Inside one document.
    SumMismatchRule(),
    NarrativeTableMismatchRule(),
    ImplausibleValueRule(),
    DocumentQualityRule(),
    # Over time.
    MissingDisclosureRule(),
    DocumentChangedRule(),
]
