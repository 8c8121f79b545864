"""The one exception hierarchy of budgetwatch.

It lives in ``storage`` because every stage already depends on storage, so
no stage has to import another stage (or the CLI glue) to raise an error.
Messages say what failed and where (file, page, URL, config path).
"""

from __future__ import annotations


class BudgetwatchError(Exception):
    """Base of every error budgetwatch raises on purpose."""


class InputError(BudgetwatchError):
    """A document or argument that cannot be read or understood."""


class FetchError(BudgetwatchError):
    """A page or attachment that could not be fetched."""


class ConfigError(BudgetwatchError):
    """Configuration that is missing or invalid."""


class DeliveryError(BudgetwatchError):
    """An alert that could not be delivered."""
