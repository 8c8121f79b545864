"""Site profiles: YAML files beside this module, selected with ``--site NAME``.

A profile names a portal's start URLs and, where discovery by link text is
not enough, CSS selectors for its list links and attachments.  Unknown keys
are refused, like the main configuration.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.errors import ConfigError

SITES_DIR = Path(__file__).resolve().parent


class SiteProfile(BaseModel):
    """How to crawl one portal; every field but the name is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    column_texts: tuple[str, ...] = Field((), description="extra link texts of 预决算 columns")
    list_links: str | None = Field(
        None, description="CSS selector of disclosure links on list pages"
    )
    attachment_links: str | None = Field(None, description="CSS selector of attachment links")


def available_profiles(directory: Path = SITES_DIR) -> list[str]:
    """The names of the profiles shipped in ``directory``."""
    return sorted(path.stem for path in directory.glob("*.yaml"))


def load_profile(name: str, directory: Path = SITES_DIR) -> SiteProfile:
    """Read ``<directory>/<name>.yaml``; a missing file or a bad key is a ConfigError."""
    path = directory / f"{name}.yaml"
    if not name.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        known = ", ".join(available_profiles(directory)) or "none"
        raise ConfigError(f"site profile {name!r} not found in {directory} (known: {known})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return SiteProfile.model_validate({"name": name, **raw})
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: invalid site profile ({exc})") from exc
