"""The one place configuration is read.

Sources, later ones winning: defaults below, the YAML file (``--config`` or
``BUDGETWATCH_CONFIG``), ``BUDGETWATCH_*`` environment variables, then command
line flags such as ``--db``.  Strings in the file may say ``${VAR}`` to take a
value (typically a secret) from the environment, so secrets are never written
in the file.  Unknown keys are refused, so a typo fails at start, not months
later.  Every setting is declared once here, with its default and help text;
the README's settings table is checked against these declarations by a test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alerts.settings import AlertsSettings
from storage.errors import ConfigError

ENV_PREFIX = "BUDGETWATCH_"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Section(BaseModel):
    """Base of every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtractSettings(Section):
    workers: int = Field(1, ge=1, le=64, description="worker processes for extraction")
    timeout_seconds: float = Field(
        120.0, gt=0, description="wall-clock limit for one document; over it the file fails"
    )
    memory_mb: int = Field(
        1536, ge=128, description="address-space limit of an extraction worker (RLIMIT_AS)"
    )


class CrawlSiteSettings(Section):
    name: str = Field(description="the name `budgetwatch crawl --site NAME` selects")
    start_urls: list[str] = Field(default_factory=list, description="home or 预决算 column pages")
    allowed_domains: list[str] = Field(default_factory=list, description="hosts besides the start URLs'")
    profile: str | None = Field(None, description="site profile in crawler/sites/ (selectors)")
    schedule: str | None = Field(
        None,
        description="cron line (min hour day month weekday) of `serve`; default daily at night",
    )

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        """A schedule must be a five-field cron line APScheduler understands."""
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(f"not a cron line (min hour day month weekday): {exc}") from None
        return value


class CrawlSettings(Section):
    user_agent: str = Field(
        "budgetwatch/0.1 (budget disclosure monitor; +https://github.com/budgetwatch/budgetwatch)",
        description="User-Agent sent to portals; names the project",
    )
    download_max_size: int = Field(
        100 * 1024 * 1024, ge=1024, description="bytes; a larger download (or decompressed body) fails"
    )
    download_timeout: float = Field(60.0, gt=0, description="seconds before a request times out")
    retry_times: int = Field(2, ge=0, description="retries of 5xx answers and timeouts")
    concurrency: int = Field(16, ge=1, description="requests in flight in all")
    concurrency_per_domain: int = Field(4, ge=1, description="requests in flight per portal host")
    download_delay: float = Field(0.5, ge=0, description="seconds between requests to one host")
    autothrottle: bool = Field(True, description="adapt the delay to the portal's response times")
    autothrottle_start_delay: float = Field(1.0, ge=0, description="AutoThrottle's first delay")
    autothrottle_max_delay: float = Field(30.0, ge=0, description="AutoThrottle's longest delay")
    autothrottle_target_concurrency: float = Field(
        2.0, gt=0, description="AutoThrottle's parallel requests per host"
    )
    allowed_domains: list[str] = Field(
        default_factory=list, description="hosts every crawl may visit besides its start URLs'"
    )
    sites: list[CrawlSiteSettings] = Field(
        default_factory=list, description="named sites: name, start_urls, allowed_domains, profile"
    )


class MonitorSettings(Section):
    yoy_relative: float = Field(0.3, gt=0, description="yoy_increase: rise over last year, as a fraction")
    yoy_absolute_yuan: Decimal = Field(
        Decimal(500000), ge=0, description="yoy_increase: and at least this many yuan"
    )
    final_vs_budget_relative: float = Field(
        0.5, gt=0, description="final_vs_budget: 决算 off the same year's 预算 by this fraction"
    )
    final_vs_budget_absolute_yuan: Decimal = Field(
        Decimal(1000000), ge=0, description="final_vs_budget: and by at least this many yuan"
    )
    peer_min_count: int = Field(8, ge=3, description="peer_outlier: fewest departments to compare")
    peer_z_threshold: float = Field(
        3.5, gt=0, description="peer_outlier: robust z-score (median/MAD) above which to alert"
    )
    implausible_max_yuan: Decimal = Field(
        Decimal(50_000_000_000), gt=0, description="implausible_value: largest believable figure"
    )
    budget_deadline: str = Field(
        "04-30", pattern=r"^\d\d-\d\d$", description="missing_disclosure: MM-DD a year's 预算 is due"
    )
    final_deadline: str = Field(
        "09-30", pattern=r"^\d\d-\d\d$", description="missing_disclosure: MM-DD of the next year a 决算 is due"
    )


class ServeSettings(Section):
    timezone: str = Field("Asia/Shanghai", description="time zone of the sites' cron schedules")
    crawl_timeout_minutes: float = Field(
        120.0, gt=0, description="a site's crawl is closed cleanly after this many minutes"
    )
    misfire_grace_hours: float = Field(
        24.0, gt=0, description="a run missed while down (within this) runs once on start"
    )
    alerts_interval_minutes: float = Field(
        15.0, gt=0, description="how often `serve` retries due alert deliveries between cycles"
    )
    lock_lease_seconds: float = Field(
        120.0, ge=10, description="SQLite scheduler lock: a dead holder's lock expires after this"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """The zone must exist in the system's time zone database."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Settings(Section):
    database_url: str = Field(
        "sqlite:///budgetwatch.db",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL in production",
    )
    store_dir: Path = Field(
        Path("data/files"), description="content-addressed store for downloaded documents"
    )
    extract: ExtractSettings = Field(default_factory=ExtractSettings)  # type: ignore[arg-type]
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)  # type: ignore[arg-type]
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)  # type: ignore[arg-type]
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)  # type: ignore[arg-type]
    serve: ServeSettings = Field(default_factory=ServeSettings)  # type: ignore[arg-type]


def expand_vars(
    value: Any, env: Mapping[str, str], path: str = "", missing: list[str] | None = None
) -> Any:
    """Replace ``${VAR}`` in every string of a parsed YAML tree.

    A missing VAR is an error; with a ``missing`` list it is noted there (and replaced by "")
    so that every problem of the file can be reported at once.
    """
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in env:
                return env[name]
            problem = f"{path or '<root>'}: environment variable {name} is not set"
            if missing is None:
                raise ConfigError(problem)
            missing.append(problem)
            return ""

        return _VAR.sub(substitute, value)
    if isinstance(value, dict):
        return {
            k: expand_vars(v, env, f"{path}.{k}" if path else str(k), missing)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [expand_vars(v, env, f"{path}[{i}]", missing) for i, v in enumerate(value)]
    return value


def env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """``BUDGETWATCH_DATABASE_URL=…`` → {"database_url": …}; ``__`` nests (EXTRACT__WORKERS)."""
    tree: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        if name.startswith(ENV_PREFIX + "TEST_"):
            continue  # test-suite settings, not product configuration
        keys = name[len(ENV_PREFIX) :].lower().split("__")
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return tree


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` into a copy of ``base``."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_file(
    path: Path, env: Mapping[str, str], missing: list[str] | None = None
) -> dict[str, Any]:
    """Parse the YAML file and expand ``${VAR}`` references (missing ones noted in ``missing``)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({exc})") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    expanded: dict[str, Any] = expand_vars(raw, env, missing=missing)
    return expanded


def describe_errors(error: ValidationError, where: str) -> list[str]:
    """One line per problem, each with its dotted path in the file; input values are not echoed."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "<root>"
        lines.append(f"{where}: {location}: {item['msg']}")
    return lines


def load_config(
    path: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the Settings from defaults, file, environment and command-line overrides."""
    env = os.environ if env is None else env
    if path is None and env.get(ENV_PREFIX + "CONFIG"):
        path = env[ENV_PREFIX + "CONFIG"]
    data: dict[str, Any] = {}
    where = "configuration"
    missing: list[str] = []
    if path is not None:
        data = read_file(Path(path), env, missing)
        where = str(path)
    data = merge(data, env_overrides(env))
    data = merge(data, {k: v for k, v in (overrides or {}).items() if v is not None})
    problems = [f"{where}: {line}" for line in missing]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += describe_errors(exc, where)
    if problems:
        # Every problem at once: a missing variable and a typo are fixed in one go.
        raise ConfigError("\n".join(problems))
    return settings


def settings_reference(model: type[BaseModel] = Settings, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted name, default, help) for every setting: feeds `config show` and the README test."""
    rows: list[tuple[str, str, str]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        # Stages may declare their own sections (alerts.settings), so any model nests.
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += settings_reference(annotation, f"{prefix}{name}.")
            continue
        rows.append((f"{prefix}{name}", str(field.get_default(call_default_factory=True)), field.description or ""))
    return rows
