"""Site profiles: shipped ones load, unknown keys and names are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sites import available_profiles, load_profile
from storage.errors import ConfigError


def test_shipped_profiles_load() -> None:
    names = available_profiles()
    assert "luzhai" in names
    for name in names:
        profile = load_profile(name)
        assert profile.name == name and profile.start_urls


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("start_urls: [http://a/]\nselectorz: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml"):
        load_profile("bad", tmp_path)


def test_missing_or_path_like_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_profile("../etc/passwd", tmp_path)
    with pytest.raises(ConfigError, match="not found"):
        load_profile("nothing", tmp_path)
