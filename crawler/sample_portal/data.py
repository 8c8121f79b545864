"""The data model behind the portal: counties, departments, and their figures per year.

Amounts are integers in 0.01 万元 (100 yuan) so that 万元 narrative and 元 tables agree exactly.
Everything derives from string-seeded ``random.Random`` instances, so each start gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import cache

from crawler.sample_portal.model import Cms, Kind

YEARS = (2021, 2022, 2023)
KINDS: tuple[Kind, ...] = ("budget", "final")
FIRST_YEAR = 2020  # generated but not published: the base for 2021's stated changes


@dataclass(frozen=True)
class DeptSpec:
    """A department: its short name and the scale of its spending."""

    short: str  # 财政局
    scale: int  # yearly expenditure in 万元, roughly
    three_public_share: float  # 三公 / 支出, roughly
    staff: int
    vehicles: int
    gov_fund: bool = False  # receives 政府性基金 money
    outbound: bool = False  # has 因公出国（境）费


@dataclass(frozen=True)
class CountySpec:
    """A county site: name, URL slug, CMS family and departments."""

    name: str
    slug: str
    cms: Cms
    departments: tuple[DeptSpec, ...]


@dataclass(frozen=True)
class Amounts:
    """One department-year-kind of money, in 0.01 万元."""

    personnel: int
    public: int
    project: int
    gov_fund: int
    other_revenue: int
    carry_begin: int  # 年初结转和结余 (0 in budgets)
    carry_end: int  # 年末结转和结余 (0 in budgets)
    outbound: int
    vehicle_purchase: int
    vehicle_operation: int
    reception: int
    procurement: int

    @property
    def basic(self) -> int:
        return self.personnel + self.public

    @property
    def spending(self) -> int:
        """本年支出合计."""
        return self.basic + self.project

    @property
    def revenue_current(self) -> int:
        """本年收入合计 (balances 总计 on both sides)."""
        return self.spending + self.carry_end - self.carry_begin

    @property
    def general_public(self) -> int:
        return self.revenue_current - self.gov_fund - self.other_revenue

    @property
    def revenue_total(self) -> int:
        return self.revenue_current + self.carry_begin

    @property
    def expenditure_total(self) -> int:
        return self.spending + self.carry_end

    @property
    def vehicle(self) -> int:
        return self.vehicle_purchase + self.vehicle_operation

    @property
    def three_public(self) -> int:
        return self.outbound + self.vehicle + self.reception


def _dept(short: str, scale: int, share: float, staff: int, vehicles: int, **kw: bool) -> DeptSpec:
    return DeptSpec(short, scale, share, staff, vehicles, **kw)


COUNTIES: tuple[CountySpec, ...] = (
    CountySpec(
        "云溪县",
        "yunxi",
        "hanweb",
        (
            _dept("财政局", 1650, 0.009, 62, 3, outbound=True),
            _dept("教育局", 38200, 0.0006, 95, 4),
            _dept("卫生健康局", 9100, 0.002, 71, 5),
            _dept("审计局", 640, 0.014, 28, 2),
            _dept("农业农村局", 5300, 0.003, 83, 4, gov_fund=True),
        ),
    ),
    CountySpec(
        "宁川县",
        "ningchuan",
        "trs",
        (
            _dept("委组织部", 1180, 0.008, 35, 2),
            _dept("财政局", 1420, 0.01, 58, 3, outbound=True),
            _dept("教育局", 29600, 0.0007, 88, 4),
            _dept("自然资源局", 4700, 0.004, 66, 5, gov_fund=True),
            _dept("交通运输局", 6900, 0.003, 74, 6, gov_fund=True),
        ),
    ),
    CountySpec(
        "南岭县",
        "nanling",
        "gkmlpt",
        (
            _dept("财政局", 1890, 0.008, 64, 3, outbound=True),
            _dept("卫生健康局", 11200, 0.0015, 77, 5),
            _dept("市场监督管理局", 3100, 0.006, 120, 9),
            _dept("审计局", 720, 0.013, 30, 2),
            _dept("人力资源和社会保障局", 4200, 0.003, 69, 3),
        ),
    ),
    CountySpec(
        "桐溪县",
        "tongxi",
        "generic",
        (
            _dept("财政局", 1530, 0.009, 60, 3),
            _dept("教育局", 33400, 0.0006, 90, 4),
            _dept("水利局", 880, 0.085, 41, 7, gov_fund=True),  # the planted peer outlier
            _dept("民政局", 3800, 0.003, 46, 3),
            _dept("司法局", 960, 0.011, 52, 3),
            # Enough peers for peer_outlier, which compares no fewer than 8 departments.
            _dept("统计局", 420, 0.012, 19, 1),
            _dept("林业局", 2600, 0.004, 57, 4, gov_fund=True),
            _dept("住房和城乡建设局", 7800, 0.002, 63, 4, gov_fund=True),
        ),
    ),
)

# Planted anomalies, keyed (county slug, department short name, year, kind).
THREE_PUBLIC_RISE = ("yunxi", "卫生健康局", 2022)  # budget and hence final rise by ~38%
STATED_CHANGE_OFF: tuple[str, str, int, Kind] = (
    "ningchuan",
    "交通运输局",
    2023,
    "budget",
)  # stated change 1.50万 too low
SUM_OFF: tuple[str, str, int, Kind] = (
    "nanling",
    "审计局",
    2022,
    "final",
)  # printed 基本支出 is 1.00万 above 人员经费 + 公用经费 (no other year or rule compares it)
PEER_OUTLIER = ("tongxi", "水利局")  # 三公 share ~8.5% against peers' <1.5%
ALTERED: tuple[str, str, int, Kind] = (
    "nanling",
    "财政局",
    2023,
    "budget",
)  # reception +3.00万 after bump_version()
ALTERED_DELTA = 300  # 0.01 万元 units: 3.00万元


def county(slug: str) -> CountySpec:
    """Return the county spec for a slug."""
    return next(c for c in COUNTIES if c.slug == slug)


def _vary(rng: random.Random, value: float, spread: float) -> float:
    return value * (1 + rng.uniform(-spread, spread))


def _first_budget(spec: DeptSpec, rng: random.Random) -> Amounts:
    """The unpublished 2020 budget every later year grows from."""
    scale = spec.scale * 100  # 0.01 万元
    three = scale * spec.three_public_share
    outbound = int(three * 0.12) if spec.outbound else 0
    return Amounts(
        personnel=int(_vary(rng, scale * 0.46, 0.08)),
        public=int(_vary(rng, scale * 0.075, 0.1)),
        project=int(_vary(rng, scale * 0.465, 0.1)),
        gov_fund=int(scale * 0.12) if spec.gov_fund else 0,
        other_revenue=int(scale * 0.01) if rng.random() < 0.4 else 0,
        carry_begin=0,
        carry_end=0,
        outbound=outbound,
        vehicle_purchase=0,
        vehicle_operation=int(three * 0.55),
        reception=int(three) - outbound - int(three * 0.55),
        procurement=int(_vary(rng, scale * 0.04, 0.3)),
    )


def _next_budget(prev: Amounts, rng: random.Random, year: int, rise: bool) -> Amounts:
    """Grow a budget one year; 三公 never rises (只减不增) unless a rise is planted."""
    three_factor = 1.38 if rise else (1.0 if rng.random() < 0.15 else rng.uniform(0.88, 0.99))
    vehicle = int(prev.vehicle * three_factor)
    # A car bought in 2022 is paid from the same (shrinking) vehicle line, as counties report it.
    purchase = int(vehicle * 0.3) if year == 2022 and prev.vehicle > 1000 and not rise else 0
    return replace(
        prev,
        personnel=int(prev.personnel * rng.uniform(1.01, 1.05)),
        public=int(prev.public * rng.uniform(0.95, 1.04)),
        project=int(prev.project * rng.uniform(0.85, 1.18)),
        gov_fund=int(prev.gov_fund * rng.uniform(0.8, 1.2)),
        outbound=int(prev.outbound * three_factor),
        vehicle_purchase=purchase,
        vehicle_operation=vehicle - purchase,
        reception=int(prev.reception * three_factor),
        procurement=int(prev.procurement * rng.uniform(0.7, 1.3)),
    )


def _final_of(budget: Amounts, rng: random.Random, carry_begin: int, execution: float) -> Amounts:
    """The 决算 of a budget year: actual spending plus carried-over balances."""
    purchase = int(budget.vehicle_purchase * execution)
    # A department executes its projects at a steady rate (its own, a little below its 三公
    # rate); a rate drawn afresh each year would make clean 决算 swing by 30 % or more.
    project_rate = execution - 0.05 + rng.uniform(-0.02, 0.02)
    return replace(
        budget,
        personnel=int(budget.personnel * rng.uniform(1.0, 1.04)),
        public=int(budget.public * rng.uniform(0.92, 0.99)),
        project=int(budget.project * project_rate),
        carry_begin=carry_begin,
        carry_end=int(budget.project * rng.uniform(0.02, 0.08)),
        # One execution rate per department keeps 决算 三公 monotone like the budgets.
        outbound=int(budget.outbound * execution),
        vehicle_purchase=purchase,
        vehicle_operation=int(budget.vehicle * execution) - purchase,
        reception=int(budget.reception * execution),
    )


@cache
def department_amounts(slug: str, short: str) -> dict[tuple[int, Kind], Amounts]:
    """All (year, kind) amounts of one department, 2020 included."""
    spec = next(d for d in county(slug).departments if d.short == short)
    rng = random.Random(f"budgetwatch-sample/{slug}/{short}")
    execution = rng.uniform(0.86, 0.97)
    budget = _first_budget(spec, rng)
    carry = int(budget.project * 0.04)
    result: dict[tuple[int, Kind], Amounts] = {}
    for year in (FIRST_YEAR, *YEARS):
        if year > FIRST_YEAR:
            budget = _next_budget(budget, rng, year, (slug, short, year) == THREE_PUBLIC_RISE)
        final = _final_of(budget, rng, carry, execution)
        carry = final.carry_end
        result[(year, "budget")] = budget
        result[(year, "final")] = final
    return result


def dept_spec(slug: str, short: str) -> DeptSpec:
    """Return one department's spec."""
    return next(d for d in county(slug).departments if d.short == short)


def full_department_name(spec: CountySpec, dept: DeptSpec) -> str:
    """中共宁川县委组织部 / 云溪县财政局."""
    if dept.short.startswith("委"):
        return f"中共{spec.name}{dept.short}"
    return f"{spec.name}{dept.short}"
