"""Which regions and years a pass looks at: everything, or what changed since the last run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, or_, select
from sqlalchemy.orm import Session

from storage.models import DisclosureRow, FigureRow, MonitorRunRow

SCOPE = Table(
    "monitor_scope",
    MetaData(),
    Column("region", Text),
    Column("year", Integer),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class Watermarks:
    """The highest figure and disclosure ids a pass covers."""

    figure: int
    disclosure: int


@dataclass(frozen=True)
class Scope:
    """A full pass, or the (region, year) pairs an incremental pass re-evaluates."""

    full: bool
    region_years: frozenset[tuple[str, int]] = frozenset()
    since: datetime | None = None  # when the previous run started

    def covers(self, region: str | None, year: int | None) -> bool:
        """Whether a finding about ``region`` and ``year`` belongs to this pass."""
        return self.full or (region, year) in self.region_years

    @property
    def table(self) -> Table | None:
        """The temporary table of (region, year) pairs, for incremental passes."""
        return None if self.full else SCOPE


def current_watermarks(session: Session) -> Watermarks:
    """The highest ids stored now: what this pass will have covered."""
    figure = session.scalar(select(func.max(FigureRow.id))) or 0
    disclosure = session.scalar(select(func.max(DisclosureRow.id))) or 0
    return Watermarks(figure, disclosure)


def touched(session: Session, previous: MonitorRunRow) -> set[tuple[str, int]]:
    """(region, year) of disclosures stored or re-extracted since ``previous``."""
    new_figures = select(FigureRow.disclosure_id).where(FigureRow.id > (previous.watermark or 0))
    query = (
        select(DisclosureRow.region, DisclosureRow.year)
        .where(
            or_(
                DisclosureRow.id > (previous.disclosure_watermark or 0),
                DisclosureRow.id.in_(new_figures),
            ),
            DisclosureRow.region.is_not(None),
            DisclosureRow.year.is_not(None),
        )
        .distinct()
    )
    return {(str(region), int(year or 0)) for region, year in session.execute(query)}


def plan_scope(session: Session, previous: MonitorRunRow | None, full: bool) -> Scope:
    """Everything on request or on the first run; otherwise what changed, with its neighbours."""
    if full or previous is None:
        return Scope(full=True)
    pairs = set()
    # A new year changes the comparison of the year after it and its peers' statistics.
    for region, year in touched(session, previous):
        pairs |= {(region, year - 1), (region, year), (region, year + 1)}
    scope = Scope(full=False, region_years=frozenset(pairs), since=previous.started_at)
    # The year before the earliest one re-evaluated is read, not judged: it only gives
    # that year its predecessor, so its findings match a full pass.
    context = pairs | {(region, year - 1) for region, year in pairs}
    connection = session.connection()
    SCOPE.drop(connection, checkfirst=True)
    SCOPE.create(connection)
    if context:
        connection.execute(insert(SCOPE), [{"region": r, "year": y} for r, y in sorted(context)])
    return scope


def drop_scope(session: Session, scope: Scope) -> None:
    """Drop the scope's temporary table (connections go back to a pool)."""
    if scope.table is not None:
        scope.table.drop(session.connection(), checkfirst=True)
