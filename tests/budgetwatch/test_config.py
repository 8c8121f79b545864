"""The one config module: file, ${VAR}, environment, overrides, strictness."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetwatch.config import load_config
from storage.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "budgetwatch.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment() -> None:
    settings = load_config(env={})
    assert settings.database_url == "sqlite:///budgetwatch.db"
    assert settings.extract.workers == 1


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path, "database_url: sqlite:///a.db\nextract:\n  workers: 2\n  memory_mb: 512\n"
    )
    env = {"BUDGETWATCH_EXTRACT__WORKERS": "3"}
    settings = load_config(path, env=env, overrides={"database_url": "sqlite:///b.db"})
    assert settings.database_url == "sqlite:///b.db"
    assert settings.extract.workers == 3  # environment beats the file
    assert settings.extract.memory_mb == 512  # the file beats the default


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "store_dir: /srv/files\n")
    settings = load_config(env={"BUDGETWATCH_CONFIG": str(path)})
    assert settings.store_dir == Path("/srv/files")


def test_var_expansion_reads_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "database_url: postgresql+psycopg://bw:${DB_PASSWORD}@db/bw\n")
    settings = load_config(path, env={"DB_PASSWORD": "s3cret"})
    assert settings.database_url == "postgresql+psycopg://bw:s3cret@db/bw"


def test_missing_variable_names_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path, "database_url: postgresql+psycopg://bw:${DB_PASSWORD}@db/bw\n")
    with pytest.raises(ConfigError, match=r"database_url: environment variable DB_PASSWORD"):
        load_config(path, env={})


def test_unknown_keys_are_all_reported_with_their_path(tmp_path: Path) -> None:
    path = write(tmp_path, "databse_url: x\nextract:\n  wokers: 2\n  memory_mb: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert "databse_url" in message
    assert "extract.wokers" in message
    assert "extract.memory_mb" in message  # below the minimum: reported in the same run
    assert str(path) in message


def test_invalid_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "extract: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(path, env={})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yaml", env={})
