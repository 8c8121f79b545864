"""Build the Manifest: expected documents and figures, nasty cases and planted anomalies."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

from crawler.sample_portal import data, figures
from crawler.sample_portal.model import Anomaly, Disclosure, Kind, Manifest
from crawler.sample_portal.site import PublishedDoc, Site


def _key(where: tuple[object, ...]) -> str:
    return "/".join(str(part) for part in where)


def _disclosure(doc: PublishedDoc, version: int) -> Disclosure:
    spec = doc.spec
    stated = figures.stated(spec.slug, spec.short, spec.year, spec.kind, version)
    money = {metric: figures.to_yuan(units) for metric, units in stated.items()}
    return Disclosure(
        key=spec.key,
        county=spec.slug,
        region=spec.region,
        department=spec.department,
        year=spec.year,
        kind=spec.kind,
        title=spec.title,
        published=spec.published,
        listed_url=doc.listed_url,
        detail_url=doc.detail_url,
        attachments=doc.attachments,
        figures=MappingProxyType(money),
        counts=MappingProxyType(figures.counts(spec.slug, spec.short, spec.year)),
        page_encoding=doc.page_encoding,
    )


def _three_public(slug: str, short: str, year: int, kind: Kind) -> Decimal:
    amounts = data.department_amounts(slug, short)[(year, kind)]
    return figures.to_yuan(amounts.three_public)


def _rise_anomalies() -> list[Anomaly]:
    slug, short, year = data.THREE_PUBLIC_RISE
    found = []
    for kind in data.KINDS:
        before, after = (
            _three_public(slug, short, year - 1, kind),
            _three_public(slug, short, year, kind),
        )
        found.append(
            Anomaly(
                "three_public_increase",
                _key((slug, short, year, kind)),
                "three_public_total",
                f"“三公”经费 rose from {before} to {after} yuan ({year - 1}→{year}, {kind})",
                MappingProxyType({"previous": before, "current": after}),
            )
        )
    return found


def _misprint_anomalies() -> list[Anomaly]:
    slug, short, year, kind = data.STATED_CHANGE_OFF
    stated = figures.to_yuan(figures.stated(slug, short, year, kind)["three_public_total_change"])
    actual = _three_public(slug, short, year, kind) - _three_public(slug, short, year - 1, kind)
    slug2, short2, year2, kind2 = data.SUM_OFF
    printed = figures.stated(slug2, short2, year2, kind2)
    parts = printed["expenditure_personnel"] + printed["expenditure_public"]
    return [
        Anomaly(
            "stated_change_mismatch",
            _key(data.STATED_CHANGE_OFF),
            "three_public_total_change",
            f"states a change of {stated} yuan against last year, but the figures differ by {actual}",
            MappingProxyType({"stated": stated, "actual": actual}),
        ),
        Anomaly(
            "sum_mismatch",
            _key(data.SUM_OFF),
            "expenditure_basic",
            f"基本支出 printed {figures.to_yuan(printed['expenditure_basic'])} yuan, "
            f"人员经费 + 公用经费 add up to {figures.to_yuan(parts)}",
            MappingProxyType(
                {
                    "printed": figures.to_yuan(printed["expenditure_basic"]),
                    "sum_of_parts": figures.to_yuan(parts),
                }
            ),
        ),
    ]


def _share(slug: str, short: str, year: int, kind: Kind) -> Decimal:
    amounts = data.department_amounts(slug, short)[(year, kind)]
    return (Decimal(amounts.three_public) / Decimal(amounts.expenditure_total)).quantize(
        Decimal("0.0001")
    )


def _outlier_anomalies() -> list[Anomaly]:
    slug, short = data.PEER_OUTLIER
    peers = [d.short for d in data.county(slug).departments if d.short != short]
    found = []
    for year in data.YEARS:
        for kind in data.KINDS:
            share = _share(slug, short, year, kind)
            peer_max = max(_share(slug, p, year, kind) for p in peers)
            found.append(
                Anomaly(
                    "peer_outlier",
                    _key((slug, short, year, kind)),
                    "three_public_total",
                    f"“三公” is {share:.2%} of 支出总计, peers at most {peer_max:.2%}",
                    MappingProxyType({"share": share, "peer_max_share": peer_max}),
                )
            )
    return found


def _altered_anomaly(site: Site) -> Anomaly:
    slug, short, year, kind = data.ALTERED
    before = figures.stated(slug, short, year, kind, 0)
    after = figures.stated(slug, short, year, kind, 1)
    doc = next(d for d in site.published if d.spec.key == _key(data.ALTERED))
    url = next(a.url for a in doc.attachments if a.versioned)
    return Anomaly(
        "altered_after_publication",
        _key(data.ALTERED),
        "three_public_reception",
        f"after bump_version() the file at {url} states 公务接待费 "
        f"{figures.to_yuan(after['three_public_reception'])} instead of "
        f"{figures.to_yuan(before['three_public_reception'])} yuan (合计 likewise +30000)",
        MappingProxyType(
            {
                "before": figures.to_yuan(before["three_public_reception"]),
                "after": figures.to_yuan(after["three_public_reception"]),
                "total_before": figures.to_yuan(before["three_public_total"]),
                "total_after": figures.to_yuan(after["three_public_total"]),
            }
        ),
    )


def _altered_consequences(version: int) -> list[Anomaly]:
    """The edit adds 3.00万 of 公务接待费: when that makes 三公 rise, the rise is real too."""
    slug, short, year, kind = data.ALTERED
    before = figures.to_yuan(figures.stated(slug, short, year - 1, kind)["three_public_total"])
    after = figures.to_yuan(figures.stated(slug, short, year, kind, version)["three_public_total"])
    if not version or after <= before:
        return []
    return [
        Anomaly(
            "three_public_increase",
            _key(data.ALTERED),
            "three_public_total",
            f"the altered file states “三公”经费 {after} yuan (公务接待费 likewise up), "
            f"above the {before} of {year - 1}",
            MappingProxyType({"previous": before, "current": after}),
            consequence_of=f"altered_after_publication {_key(data.ALTERED)}",
        )
    ]


def build_manifest(site: Site) -> Manifest:
    """Describe what ``site`` serves at its current version."""
    version = site.version
    anomalies = (
        _rise_anomalies()
        + _misprint_anomalies()
        + _outlier_anomalies()
        + [_altered_anomaly(site)]
        + _altered_consequences(version)
    )
    return Manifest(
        base_url=site.base_url,
        version=version,
        counties=tuple(site.counties()),
        disclosures=tuple(_disclosure(doc, version) for doc in site.published),
        news=tuple(site.news),
        nasty_cases=tuple(site.nasty),
        anomalies=tuple(anomalies),
    )
