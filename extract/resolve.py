"""Choose one value per metric from narrative and table candidates.

The rule from metrics.md: an exact table value beats a rounded narrative one.
When the two disagree by more than the narrative's own rounding, both are kept
and the disagreement is returned as a ``Conflict`` for the monitor to report.
"""

from __future__ import annotations

from decimal import Decimal

from extract.model import Conflict, Figure
from extract.numbers import rounding_step


def within_rounding(exact: Figure, rounded: Figure) -> bool:
    """True when ``rounded`` is ``exact`` written with fewer digits."""
    step = rounding_step(rounded.raw, rounded.unit)
    # Half a step is the strict bound; one full step forgives documents that
    # truncate instead of rounding (seen in county narratives).
    return abs(exact.value - rounded.value) <= max(step, Decimal("0.01"))


def resolve(
    narrative: list[Figure], table: list[Figure]
) -> tuple[dict[str, Figure], list[Conflict]]:
    """Return the chosen figure per metric and the narrative/table conflicts."""
    first_narrative: dict[str, Figure] = {}
    for figure in narrative:
        first_narrative.setdefault(figure.metric, figure)
    first_table: dict[str, Figure] = {}
    for figure in table:
        first_table.setdefault(figure.metric, figure)

    chosen: dict[str, Figure] = {}
    conflicts: list[Conflict] = []
    for metric in sorted(set(first_narrative) | set(first_table)):
        from_table = first_table.get(metric)
        from_text = first_narrative.get(metric)
        if from_table is None:
            assert from_text is not None
            chosen[metric] = from_text
            continue
        chosen[metric] = from_table
        if from_text is not None and not within_rounding(from_table, from_text):
            conflicts.append(Conflict(metric=metric, chosen=from_table, other=from_text))
    return chosen, conflicts
